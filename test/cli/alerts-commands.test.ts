import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { MonitorConfig } from '../../src/config/types.js';
import { lines, runMonitor } from '../helpers/cli.js';
import { tempConfig } from '../helpers/daemon.js';
import { startNotifyReceiver } from '../helpers/notify-receiver.js';

/**
 * Issue 15, `monitor alerts test|list|history` through the real binary: test events go to a real
 * webhook receiver on 127.0.0.1, incidents are read from a real local database.
 */

const configs: { remove(): void }[] = [];
after(() => {
  for (const c of configs) c.remove();
});

function config(extra: Partial<MonitorConfig> = {}) {
  const c = tempConfig({ external_database_uri: null, services: [], ...extra });
  configs.push(c);
  return c;
}

test('alerts test delivers one test event with an Idempotency-Key and exits 0 on a 2xx', async () => {
  const receiver = await startNotifyReceiver({ rest: { status: 202, body: 'queued' } });
  try {
    const c = config({ agent_name: 'cli-test', alerts: { hook: { type: 'webhook', target: receiver.url } } });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(receiver.requests.length, 1);
    const [req] = receiver.requests;
    const body = JSON.parse(req!.body.toString('utf8')) as { kind: string; event_id: string; agent: string };
    assert.equal(body.kind, 'test');
    assert.equal(body.agent, 'cli-test');
    assert.equal(req!.headers['idempotency-key'], body.event_id);
    assert.match(r.stdout, /status: accepted/);
    assert.match(r.stdout, /code: 202/);
    assert.match(r.stdout, /detail: HTTP 202: queued/);
    assert.match(r.stdout, /duration: \d+ ms/);
    assert.ok(r.stdout.includes(body.event_id), 'the event id is shown');
    assert.equal(r.stderr, '');
  } finally {
    await receiver.close();
  }
});

test('alerts test exits 1 and shows the 500 when the receiver refuses, once (no retry)', async () => {
  const receiver = await startNotifyReceiver({ rest: { status: 500, body: 'broken' } });
  try {
    const c = config({ alerts: { hook: { type: 'webhook', target: receiver.url } } });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /status: retry/);
    assert.match(r.stdout, /code: 500/);
    assert.match(r.stdout, /HTTP 500: broken/);
    assert.equal(receiver.requests.length, 1);
  } finally {
    await receiver.close();
  }
});

test('alerts test on a 404 exits 1 and says the daemon would not retry', async () => {
  const receiver = await startNotifyReceiver({ rest: { status: 404, body: 'no such hook' } });
  try {
    const c = config({ alerts: { hook: { type: 'webhook', target: receiver.url } } });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /status: failed/);
    assert.match(r.stdout, /code: 404/);
    assert.match(r.stdout, /would not retry/);
  } finally {
    await receiver.close();
  }
});

test('alerts test with an unknown channel: one line, exit 2, nothing sent', async () => {
  const receiver = await startNotifyReceiver();
  try {
    const c = config({ alerts: { hook: { type: 'webhook', target: receiver.url } } });
    const r = await runMonitor(['alerts', 'test', 'nope', '--config-path', c.configPath]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^monitor: error: no alert channel "nope" in config .*; it has hook\n$/);
    assert.equal(receiver.requests.length, 0);
  } finally {
    await receiver.close();
  }
});

test('alerts test expands ${TOKEN} from the environment for the request and never prints its value', async () => {
  const token = 'tok-Zx81qPw7Lm';
  // The receiver echoes the token back: the detail must still not show it.
  const receiver = await startNotifyReceiver({ rest: { status: 200, body: `hello ${token}` } });
  try {
    const c = config({ alerts: { hook: { type: 'webhook', target: `${receiver.url}/\${TOKEN}` } } });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath], {
      env: { TOKEN: token },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]!.path, `/hook/${token}`);
    assert.ok(!(r.stdout + r.stderr).includes(token), `the token is shown:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /detail: HTTP 200: hello \*\*\*\*/);
  } finally {
    await receiver.close();
  }
});

test('alerts test reads ${NAME} values from the env_file like the daemon, the environment winning', async () => {
  const fromFile = 'file-Tq93kLm2';
  const receiver = await startNotifyReceiver();
  try {
    const c = config({
      alerts: { hook: { type: 'webhook', target: `${receiver.url}?k=\${HOOK_KEY}&a=\${AREA}` } },
    });
    const envFile = join(c.dir, 'monitor.env');
    writeFileSync(envFile, `HOOK_KEY=${fromFile}\nAREA=from-file\n`, { mode: 0o600 });
    c.write({ ...c.config, env_file: 'monitor.env' });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath], {
      env: { AREA: 'from-env', HOOK_KEY: undefined },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(receiver.requests[0]?.path, `/hook?k=${fromFile}&a=from-env`);
    assert.ok(!(r.stdout + r.stderr).includes(fromFile));
  } finally {
    await receiver.close();
  }
});

test('alerts test with an unset ${NAME}: refused without a request, exit 1, the name shown', async () => {
  const receiver = await startNotifyReceiver();
  try {
    const c = config({ alerts: { hook: { type: 'webhook', target: `${receiver.url}/\${UNSET_HOOK_VAR}` } } });
    const r = await runMonitor(['alerts', 'test', 'hook', '--config-path', c.configPath], {
      env: { UNSET_HOOK_VAR: undefined },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /status: failed/);
    assert.match(r.stdout, /UNSET_HOOK_VAR/);
    assert.equal(receiver.requests.length, 0);
  } finally {
    await receiver.close();
  }
});
