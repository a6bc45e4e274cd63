import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EnvFileError, parseEnvFile, readEnvFile, referenceEnv } from '../../src/config/env-file.js';
import { EnvRefError, expandEnvRefs, findEnvRefs, MissingEnvError } from '../../src/config/env-refs.js';
import { readConfig } from '../../src/config/file.js';
import { checkRequestOptions, missingEnvRefs } from '../../src/config/request-options.js';
import { resolveService } from '../../src/config/resolve.js';
import { maskServiceSecrets } from '../../src/config/service-secrets.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'monitor-request-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base: ServiceConfig = {
  url: 'https://example.com/health',
  method: 'POST',
  check_regex: false,
  regex: null,
  interval_sec: 5,
  timeout: 15,
};

/** Build with `$` + `{NAME}` so that no source string looks like a template placeholder. */
const ref = (name: string) => `\${${name}}`;

test('findEnvRefs: names once each, in order; a lone $ is text; malformed references throw E_ENV_REF', () => {
  assert.deepEqual(findEnvRefs(`a${ref('X')}b${ref('Y_1')}${ref('X')} costs $5`), ['X', 'Y_1']);
  assert.deepEqual(findEnvRefs('no references, $HOME is text'), []);
  for (const [text, message] of [
    [`x\${}`, /empty reference '\$\{\}' at character 2/],
    [`\${1X}`, /bad reference '\$\{1X\}'/],
    [`\${A-B}`, /bad reference '\$\{A-B\}'/],
    ['secret${NAME', /unterminated '\$\{' at character 7/],
  ] as const) {
    assert.throws(
      () => findEnvRefs(text),
      (e: unknown) =>
        e instanceof EnvRefError && e.code === 'E_ENV_REF' && e.exitCode === 2 && message.test(e.message),
    );
  }
  // The text before an unterminated reference may be a secret: not quoted back.
  assert.throws(
    () => findEnvRefs('s3cr3t${'),
    (e: Error) => !e.message.includes('s3cr3t'),
  );
});

test('expandEnvRefs: fills every reference; a missing variable is named, nothing else is quoted', () => {
  assert.equal(expandEnvRefs(`Bearer ${ref('T')}/${ref('U')}`, { T: 'tok', U: '' }), 'Bearer tok/');
  assert.throws(
    () => expandEnvRefs(`s3cr3t-prefix ${ref('GONE')}`, { OTHER: 'other-value' }),
    (e: unknown) =>
      e instanceof MissingEnvError &&
      e.code === 'E_ENV_MISSING' &&
      e.variable === 'GONE' &&
      /GONE/.test(e.message) &&
      !e.message.includes('s3cr3t') &&
      !e.message.includes('other-value'),
  );
});

test('env files: comments, export, quotes, escapes; bad lines named by number, never quoted', () => {
  const vars = parseEnvFile(
    [
      '# a comment',
      '',
      'PLAIN = value with spaces  # trailing comment',
      'export EXPORTED=1',
      'DOUBLE="a \\"b\\"\\nc" # comment',
      "SINGLE='raw \\n #kept'",
      'EMPTY=',
    ].join('\n'),
    'test.env',
  );
  assert.deepEqual(vars, {
    PLAIN: 'value with spaces',
    EXPORTED: '1',
    DOUBLE: 'a "b"\nc',
    SINGLE: 'raw \\n #kept',
    EMPTY: '',
  });
  assert.throws(
    () => parseEnvFile('OK=1\nnot a line with s3cr3t\n', 'x.env'),
    (e: unknown) =>
      e instanceof EnvFileError &&
      /x\.env line 2: expected NAME=VALUE/.test(e.message) &&
      !e.message.includes('s3cr3t'),
  );
  assert.throws(() => parseEnvFile('A="open', 'x.env'), /line 1: unterminated double quote/);
});

test('readEnvFile: owner-only files are read; group/world-readable or missing ones are refused (E_ENV_FILE)', () => {
  const path = join(dir, 'ok.env');
  writeFileSync(path, 'TOKEN=from-file\n');
  chmodSync(path, 0o600);
  assert.deepEqual(readEnvFile(path), { TOKEN: 'from-file' });
  for (const mode of [0o640, 0o604, 0o620]) {
    chmodSync(path, mode);
    assert.throws(
      () => readEnvFile(path),
      (e: unknown) =>
        e instanceof EnvFileError &&
        e.code === 'E_ENV_FILE' &&
        e.message.includes(`(mode 0${mode.toString(8)}); run chmod 600 on it`),
    );
  }
  chmodSync(path, 0o400);
  assert.deepEqual(readEnvFile(path), { TOKEN: 'from-file' });
  assert.throws(() => readEnvFile(join(dir, 'none.env')), /cannot read env_file .*none\.env: no such file/);
  // The environment wins over the file; a bad file contributes nothing.
  assert.equal(referenceEnv('ok.env', dir, { TOKEN: 'from-env' })['TOKEN'], 'from-env');
  assert.equal(referenceEnv('ok.env', dir, {})['TOKEN'], 'from-file');
  chmodSync(path, 0o644);
  assert.equal(referenceEnv('ok.env', dir, {})['TOKEN'], undefined);
});

test('request option rules that need no file: header clashes, auth, server_name', () => {
  const check = (s: Partial<ServiceConfig>) => checkRequestOptions({ ...base, ...s });
  assert.equal(check({ headers: { Host: 'a.example', 'X-A': '' }, body: '{}' }), null);
  assert.match(
    check({ headers: { Authorization: 'x' }, bearer: 't' }) ?? '',
    /authorization header cannot be combined with basic_auth or bearer/,
  );
  assert.match(
    check({ headers: { 'Content-Type': 'x' }, body: 'b', content_type: 'text/plain' }) ?? '',
    /content-type header/,
  );
  assert.match(check({ headers: { 'x-a': '1', 'X-A': '2' } }) ?? '', /header X-A is given twice/);
  assert.match(check({ headers: { 'X-A': 'a\u0000b' } }) ?? '', /must not contain CR, LF or NUL/);
  assert.match(
    check({ content_type: 'json', body: '{}' }) ?? '',
    /content_type must look like type\/subtype/,
  );
  assert.equal(check({ server_name: 'api.example.com.' }), null);
  assert.match(check({ server_name: '::1' }) ?? '', /server_name must be a DNS host name/);
  assert.match(check({ server_name: 'bad_label-.x' }) ?? '', /server_name must be a DNS host name/);
  assert.equal(check({ basic_auth: `${ref('U')}:${ref('P')}` }), null);
  assert.deepEqual(missingEnvRefs({ ...base, basic_auth: `${ref('U')}:${ref('P')}` }, { U: 'u' }), ['P']);
  // A path whose variable is not set here is not checked (the variable is warned about instead).
  assert.equal(check({ body_file: `${ref('MONITOR_TEST_UNSET_DIR_93')}/body.json` }), null);
});

test('show masking: header values, the basic_auth password and the bearer; a value that is one reference stays', () => {
  const shown = maskServiceSecrets({
    ...base,
    headers: { 'X-Key': 'k-secret', 'X-Ref': ref('KEY'), 'X-Mixed': `pre ${ref('KEY')}` },
    basic_auth: 'bob:pw-secret',
    bearer: ref('TOKEN'),
    body: 'shown as written',
  });
  assert.deepEqual(shown.headers, { 'X-Key': '***', 'X-Ref': ref('KEY'), 'X-Mixed': '***' });
  assert.equal(shown.basic_auth, 'bob:***');
  assert.equal(shown.bearer, ref('TOKEN'));
  assert.equal(shown.body, 'shown as written');
  assert.equal(
    maskServiceSecrets({ ...base, basic_auth: `bob:${ref('PW')}` }).basic_auth,
    `bob:${ref('PW')}`,
  );
});

test('resolveService: defaults in one place, parsed conditions, references unexpanded, cloneable', () => {
  const plain = resolveService({ ...base, method: 'GET' });
  assert.deepEqual(
    {
      headers: plain.headers,
      body: plain.body,
      bodyFile: plain.bodyFile,
      contentType: plain.contentType,
      basicAuth: plain.basicAuth,
      bearer: plain.bearer,
      clientCert: plain.clientCert,
      clientKey: plain.clientKey,
      caFile: plain.caFile,
      serverName: plain.serverName,
      conditions: plain.conditions,
      degradedWhen: plain.degradedWhen,
    },
    {
      headers: {},
      body: null,
      bodyFile: null,
      contentType: null,
      basicAuth: null,
      bearer: null,
      clientCert: null,
      clientKey: null,
      caFile: null,
      serverName: null,
      conditions: [],
      degradedWhen: [],
    },
  );
  const full = resolveService({
    ...base,
    headers: { 'X-Key': ref('KEY') },
    body: '{}',
    content_type: 'application/json',
    bearer: ref('TOKEN'),
    client_cert: '/c.pem',
    client_key: '/k.pem',
    ca_file: '/ca.pem',
    server_name: 'api.example.com',
    conditions: ['[STATUS] == 200'],
    degraded_when: ['[RESPONSE_TIME] > 2s'],
  });
  assert.deepEqual(full.headers, { 'X-Key': ref('KEY') });
  assert.equal(full.bearer, ref('TOKEN'));
  assert.equal(full.serverName, 'api.example.com');
  assert.equal(full.conditions.length, 1);
  assert.equal(full.conditions[0]!.source, '[STATUS] == 200');
  assert.equal(full.degradedWhen[0]!.source, '[RESPONSE_TIME] > 2s');
  // The resolved service is posted to the probe worker: it must survive structured cloning.
  assert.deepEqual(structuredClone(full), full);
});

test('readConfig (as monitor start reads it): paths relative to the config, env_file checked', () => {
  const cfgDir = join(dir, 'conf');
  mkdirSync(cfgDir);
  writeFileSync(join(cfgDir, 'body.json'), '{}');
  writeFileSync(join(cfgDir, 'monitor.env'), 'DIR=/nowhere\n', { mode: 0o600 });
  chmodSync(join(cfgDir, 'monitor.env'), 0o600);
  const write = (extra: object, service: Partial<ServiceConfig>) => {
    const path = join(cfgDir, 'config.json');
    writeFileSync(
      path,
      JSON.stringify({
        local_database_path: 'db.sqlite3',
        external_database_uri: null,
        services: [{ ...base, ...service }],
        ...extra,
      }),
    );
    return path;
  };
  const config = readConfig(
    write({ env_file: 'monitor.env' }, { body_file: 'body.json', ca_file: `${ref('CA_DIR')}/ca.pem` }),
  );
  assert.equal(config.env_file, join(cfgDir, 'monitor.env'));
  assert.equal(config.services[0]!.body_file, join(cfgDir, 'body.json'));
  assert.equal(
    config.services[0]!.ca_file,
    `${ref('CA_DIR')}/ca.pem`,
    'a leading reference is left to the prober',
  );

  assert.throws(
    () => readConfig(write({}, { body_file: 'missing.json' })),
    (e: unknown) =>
      e instanceof ConfigError &&
      /services\[0\] .*: cannot read body_file .*missing\.json: no such file/.test(e.message),
  );
  // DIR comes from the env_file, so the path is checked, and the file is not there.
  assert.throws(
    () => readConfig(write({ env_file: 'monitor.env' }, { body_file: `${ref('DIR')}/b.json` })),
    /nowhere\/b\.json: no such file/,
  );
  chmodSync(join(cfgDir, 'monitor.env'), 0o640);
  assert.throws(
    () => readConfig(write({ env_file: 'monitor.env' }, {})),
    (e: unknown) =>
      e instanceof ConfigError &&
      /env_file .*monitor\.env is readable or writable by group or others \(mode 0640\)/.test(e.message),
  );
  assert.throws(
    () => readConfig(write({}, { conditions: ['[NOPE] == 1'] })),
    /unknown placeholder "\[NOPE\]"/,
  );
  assert.throws(
    () => readConfig(write({}, { headers: { A: 1 } as never })),
    /headers must be an object of header name to string value/,
  );
  assert.throws(
    () => readConfig(write({}, { conditions: '[STATUS] == 200' as never })),
    /conditions must be a list of strings/,
  );
});
