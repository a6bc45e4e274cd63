import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BadInputCase, checkBadInputs } from '../helpers/bad-input.js';
import { createConfig, makeTempHome, runMonitor } from '../helpers/cli.js';

/**
 * Issue 14's bad input for the request and condition options: each case exits 2 with exactly one
 * stderr line naming the problem, prints nothing on stdout, and leaves the config file (and its
 * directory) byte-for-byte as it was. No case may print a secret it was given.
 */

const h = makeTempHome('monitor-options-bad-input-');
const cfg = h.configPath;
const f = (name: string) => join(h.path, name);
/** Put in values the messages must never quote. */
const SECRET = 'Never-Printed-Secret-91';
const printed: string[] = [];

before(async () => {
  await createConfig(h.path, 'postgresql://u:p@127.0.0.1:5432/db');
  const added = await runMonitor(
    ['config', 'services', 'add', 'https://example.com/api', 'POST', '-q', '--condition', '[STATUS] == 200'],
    { home: h.path },
  );
  assert.equal(added.code, 0, added.stderr);
  for (const name of ['cert.pem', 'key.pem', 'ca.pem', 'body.json']) writeFileSync(f(name), 'x');
  writeFileSync(f('big-body.bin'), Buffer.alloc(1024 * 1024 + 1));
  // A config whose env_file others can read: refused, as an ssh key would be.
  writeFileSync(f('group.env'), `TOKEN=${SECRET}\n`);
  chmodSync(f('group.env'), 0o640);
  writeFileSync(
    f('env-file-config.json'),
    JSON.stringify({
      local_database_path: '/x',
      external_database_uri: null,
      services: [],
      env_file: f('group.env'),
    }),
  );
});
after(() => h.cleanup());

const add = (...rest: string[]) => ['config', 'services', 'add', 'https://e.com/x', 'POST', ...rest];
const addGet = (...rest: string[]) => ['config', 'services', 'add', 'https://e.com/x', 'GET', ...rest];
const update = (...rest: string[]) => ['config', 'services', 'update', '0', ...rest];

const CASES: Record<string, BadInputCase> = {
  'unparsable condition': {
    args: add('--condition', '[STATUS] =='),
    error: /condition "\[STATUS\] ==": missing the value after "=="/,
  },
  'unknown placeholder': {
    args: add('--condition', '[NOPE] == 1'),
    error: /condition "\[NOPE\] == 1": unknown placeholder "\[NOPE\]"/,
  },
  'bad duration': {
    args: add('--degraded-when', '[RESPONSE_TIME] > 5parsecs'),
    error: /degraded_when: condition .*: bad duration "5parsecs"/,
  },
  'empty condition': { args: add('--condition', ' '), error: /--condition must not be empty/ },
  'update: a bad condition after --clear-conditions': {
    args: update('--clear-conditions', '--condition', '[STATUS] === 200'),
    error: /condition "\[STATUS\] === 200"/,
  },
  'header without a colon': {
    args: add('--header', `Authorization Bearer ${SECRET}`),
    error: /--header must be 'Name: value' \(there is no ':' in it\)$/,
  },
  'header name that is not a token': {
    args: add('--header', 'Bad Name: 1'),
    error: /header name 'Bad Name' is not a valid HTTP token/,
  },
  'forbidden header Content-Length': {
    args: add('--header', 'Content-Length: 5'),
    error: /header Content-Length cannot be set: the HTTP client manages it/,
  },
  'forbidden header Transfer-Encoding': {
    args: add('--header', 'transfer-encoding: chunked'),
    error: /header transfer-encoding cannot be set/,
  },
  'forbidden header Connection (update)': {
    args: update('--header', 'Connection: close'),
    error: /header Connection cannot be set/,
  },
  'header value with a newline': {
    args: add('--header', `X-Token: ${SECRET}\r\nX-Evil: 1`),
    error: /header X-Token: the value must not contain CR, LF or NUL$/,
  },
  'Host header with --server-name': {
    args: add('--header', 'Host: a.example', '--server-name', 'b.example'),
    error: /a host header cannot be combined with server_name/,
  },
  'body file missing': {
    args: add('--body-file', f('missing.json')),
    error: /cannot read body_file .*missing\.json: no such file$/,
  },
  'body file over 1 MiB': {
    args: add('--body-file', f('big-body.bin')),
    error: /body_file .*big-body\.bin is 1048577 bytes; at most 1048576 are allowed/,
  },
  'body with GET': {
    args: addGet('--body', '{}'),
    error: /a request body cannot be sent with GET; use POST, PUT, PATCH, DELETE or OPTIONS/,
  },
  'body file with HEAD': {
    args: ['config', 'services', 'add', 'https://e.com/x', 'HEAD', '--body-file', f('body.json')],
    error: /a request body cannot be sent with HEAD/,
  },
  'body and body_file together': {
    args: add('--body', '{}', '--body-file', f('body.json')),
    error: /body and body_file cannot both be set; pick one/,
  },
  'content-type without a body': {
    args: add('--content-type', 'application/json'),
    error: /content_type describes a body: set body or body_file too/,
  },
  'body given twice': {
    args: add('--body', 'a', '--body', 'b'),
    error: /--body was given 2 times; give it once/,
  },
  "basic auth without ':'": {
    args: add('--basic-auth', SECRET),
    error: /basic_auth must be USER:PASSWORD \(no ':' in it\)$/,
  },
  'basic auth with an empty user': {
    args: add('--basic-auth', `:${SECRET}`),
    error: /basic_auth must be USER:PASSWORD with a user name \(the user is empty\)$/,
  },
  'basic auth and credentials in the URL': {
    args: ['config', 'services', 'add', 'https://u:p@e.com/x', 'GET', '--basic-auth', 'a:b'],
    error: /basic_auth cannot be combined with credentials in the URL/,
  },
  'basic auth and bearer': {
    args: add('--basic-auth', 'a:b', '--bearer', SECRET),
    error: /basic_auth and bearer cannot both be set; pick one/,
  },
  'empty bearer': { args: add('--bearer', ''), error: /bearer must not be empty$/ },
  'client cert without key': {
    args: add('--client-cert', f('cert.pem')),
    error: /client_cert and client_key go together: set both or neither/,
  },
  'client cert file missing': {
    args: add('--client-cert', f('no-cert.pem'), '--client-key', f('key.pem')),
    error: /cannot read client_cert .*no-cert\.pem: no such file$/,
  },
  'ca-file on http://': {
    args: ['config', 'services', 'add', 'http://e.com/x', 'GET', '--ca-file', f('ca.pem')],
    error: /ca_file applies to https:\/\/ URLs only/,
  },
  'server name that is an IP': {
    args: add('--server-name', '10.0.0.1'),
    error: /server_name must be a DNS host name \(not an IP address\), got '10\.0\.0\.1'/,
  },
  'empty reference (dollar, braces, nothing in them)': {
    args: add('--bearer', `${SECRET}\${}`),
    error: /bearer: empty reference '\$\{\}' at character 24$/,
  },
  'reference to a name that starts with a digit': {
    args: add('--header', `X-Key: \${1X}`),
    error: /header X-Key: bad reference '\$\{1X\}': a name is a letter or _ then letters, digits or _$/,
  },
  'unterminated reference': {
    args: add('--basic-auth', `user:\${${SECRET}`),
    error: /basic_auth: unterminated '\$\{' at character 6 \(write \$\{NAME\}\)$/,
  },
  'malformed reference in a path': {
    args: add('--body-file', `\${BODY_DIR/x.json`),
    error: /body_file: unterminated '\$\{'/,
  },
  'env_file readable by the group': {
    args: add('--config-path', f('env-file-config.json')),
    config: f('env-file-config.json'),
    error:
      /env_file .*group\.env is readable or writable by group or others \(mode 0640\); run chmod 600 on it$/,
  },
  'probe: forbidden header': {
    args: ['probe', 'http://127.0.0.1:9/', '--header', 'Content-Length: 1'],
    error: /header Content-Length cannot be set/,
  },
  'probe: unknown placeholder': {
    args: ['probe', 'http://127.0.0.1:9/', '--condition', '[NOPE] == 1'],
    error: /unknown placeholder "\[NOPE\]"/,
  },
  'probe: body with GET': {
    args: ['probe', 'http://127.0.0.1:9/', '--body', 'x'],
    error: /a request body cannot be sent with GET/,
  },
};

test(`request options: ${Object.keys(CASES).length} bad inputs, each exit 2, one line, file unchanged`, async (t) => {
  assert.ok(Object.keys(CASES).length >= 15);
  await checkBadInputs(t, CASES, { home: h.path, config: cfg, printed });
});

test('no bad-input case printed a secret it was given', () => {
  assert.ok(printed.length >= 30);
  for (const text of printed) assert.ok(!text.includes(SECRET), `secret printed: ${text}`);
});
