import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runMonitor } from '../helpers/cli.js';
import { tempConfig } from '../helpers/daemon.js';
import { messages } from '../helpers/logs.js';
import { makeResult } from '../helpers/results.js';
import { assertExportOnce, assertRemoteRows, exporterRig, type LocalFixture, query } from './fixtures.js';

interface Listed {
  total: number;
  results: Array<{ id: string; url: string; sqlstate: string | null; reason: string; set_aside_at: string }>;
}

/** `monitor db rejected …` against the fixture's local database, as a user would run it. */
async function rejectedCli(local: LocalFixture, uri: string, args: string[]) {
  const cfg = tempConfig({ external_database_uri: uri, services: [], local_database_path: local.path });
  try {
    return await runMonitor(['db', 'rejected', '--config-path', cfg.configPath, ...args]);
  } finally {
    cfg.remove();
  }
}

async function listed(local: LocalFixture, uri: string): Promise<Listed> {
  const r = await rejectedCli(local, uri, ['--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed;
}

async function remoteIds(url: string): Promise<string[]> {
  return (await query<{ local_id: string }>(url, 'SELECT local_id FROM monitoring')).map((r) => r.local_id);
}

test('a url too big for a user index (54000): the rest exported, the row set aside, listed, re-sent once after the index is dropped', async (t) => {
  const { url, local, exporter, lines, text } = await exporterRig(t);
  await query(url, 'CREATE INDEX user_url_idx ON monitoring (url)');
  // Random, so that PostgreSQL cannot compress it under the btree limit (2704 bytes).
  const huge = makeResult(100, { url: `http://127.0.0.1/huge?x=${randomBytes(1600).toString('hex')}` });
  const results = Array.from({ length: 20 }, (_, i) => makeResult(i));
  results.splice(10, 0, huge);
  local.add(results);

  const out = await exporter.exportOnce();
  assert.deepEqual(out, { exported: 20, full: false, setAside: 1, retryAfterMs: null }, text());
  assert.equal(local.source.countUnexported(), 0);
  assert.deepEqual(
    new Set(await remoteIds(url)),
    new Set(results.filter((r) => r !== huge).map((r) => r.id)),
  );
  const msgs = messages(lines);
  assert.equal(msgs.filter((m) => m.includes('lost connection')).length, 0, text());
  assert.equal(msgs.filter((m) => m.startsWith('result set aside')).length, 1, text());
  assert.match(msgs.find((m) => m.startsWith('result set aside'))!, /SQLSTATE 54000: program limit exceeded/);

  const before = await listed(local, url);
  assert.equal(before.total, 1);
  assert.equal(before.results[0]!.id, huge.id);
  assert.equal(before.results[0]!.url, huge.url);
  assert.equal(before.results[0]!.sqlstate, '54000');
  // On a partitioned table (the default) the index that refuses is the partition's: monitoring_default_url_idx.
  assert.match(before.results[0]!.reason, /index row size \d+ exceeds .*_url_idx/);
  const table = await rejectedCli(local, url, []);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`${huge.id}.*54000`));
  assert.match(table.stdout, /1 set aside/);

  // Still refused while the index is there: a retry sets it aside again, with the others going.
  const again = await rejectedCli(local, url, ['--retry']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /1 result re-queued/);
  local.add([makeResult(30)]);
  await assertExportOnce(exporter, 1, { setAside: 1 });

  await query(url, 'DROP INDEX user_url_idx');
  const retried = await rejectedCli(local, url, ['--retry', '--json']);
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(JSON.parse(retried.stdout), { requeued: 1 });
  assert.equal(local.source.countUnexported(), 1);
  await assertExportOnce(exporter, 1);
  await assertExportOnce(exporter, 0);
  const ids = await remoteIds(url);
  assert.equal(ids.length, 22);
  assert.equal(new Set(ids).size, 22);
  assert.equal(ids.filter((id) => id === huge.id).length, 1, 'the re-sent row arrived exactly once');
  const [row] = await query<{ url: string }>(url, 'SELECT url FROM monitoring WHERE local_id = $1', [
    huge.id,
  ]);
  assert.equal(row?.url, huge.url);
  assert.equal((await listed(local, url)).total, 0);
});

const BLOCKING_TRIGGER = `
CREATE FUNCTION refuse_blocked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.url LIKE '%/blocked%' THEN RAISE EXCEPTION 'url % is blocked by policy', NEW.url; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_blocked BEFORE INSERT ON monitoring FOR EACH ROW EXECUTE FUNCTION refuse_blocked();`;

test('a user trigger raising P0001 for one url: 62 of 64 exported, 2 set aside, re-sent by id then all', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { backoff: undefined });
  await query(url, BLOCKING_TRIGGER);
  const results = Array.from({ length: 64 }, (_, i) =>
    makeResult(
      i,
      i === 5
        ? { url: 'http://watch:Sup3rSecretPw@127.0.0.1/blocked/5' }
        : i === 40
          ? { url: 'http://127.0.0.1/blocked/40' }
          : {},
    ),
  );
  local.add(results);
  const [a, b] = [results[5]!, results[40]!];

  await assertExportOnce(exporter, 62, { setAside: 2 });
  const list = await listed(local, url);
  assert.equal(list.total, 2);
  assert.deepEqual(
    list.results.map((r) => [r.id, r.sqlstate]),
    [
      [a.id, 'P0001'],
      [b.id, 'P0001'],
    ],
  );
  assert.match(list.results[1]!.reason, /url http:\/\/127\.0\.0\.1\/blocked\/40 is blocked by policy/);
  const shown = `${JSON.stringify(list)}${(await rejectedCli(local, url, [])).stdout}`;
  assert.ok(!shown.includes('Sup3rSecretPw'), 'a password in a url is never shown');
  assert.match(list.results[0]!.url, /http:\/\/watch:\*\*\*\*@127\.0\.0\.1\/blocked\/5/);

  // Bad input: one line, exit 2, nothing re-queued.
  const unknown = await rejectedCli(local, url, ['--retry', '--id', a.id, '--id', 'no-such-id']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^monitor: error: no set-aside result with id no-such-id; nothing re-queued\n$/,
  );
  const noRetry = await rejectedCli(local, url, ['--id', a.id]);
  assert.equal(noRetry.code, 2);
  assert.match(noRetry.stderr, /--id needs --retry/);
  assert.equal((await listed(local, url)).total, 2);

  await query(url, 'DROP TRIGGER refuse_blocked ON monitoring');
  const one = await rejectedCli(local, url, ['--retry', '--id', b.id]);
  assert.equal(one.code, 0, one.stderr);
  await assertExportOnce(exporter, 1);
  assert.deepEqual(
    (await listed(local, url)).results.map((r) => r.id),
    [a.id],
  );
  assert.equal((await rejectedCli(local, url, ['--retry'])).code, 0);
  await assertExportOnce(exporter, 1);
  await assertRemoteRows(url, 64);
  assert.equal(local.source.countUnexported(), 0);
});

test('connection, availability and table SQLSTATEs for one row: the batch waits whole, nothing set aside, logged as what it is', async (t) => {
  const { url, local, exporter, lines, text } = await exporterRig(t);
  local.add(
    Array.from({ length: 10 }, (_, i) => makeResult(i, i === 3 ? { url: 'http://127.0.0.1/inject' } : {})),
  );
  // Neighbours differ in kind: the state logs a change of kind, not each attempt.
  const cases: Array<[code: string, line: RegExp]> = [
    ['08006', /^lost connection to PostgreSQL: .*SQLSTATE 08006: connection exception/],
    ['40001', /^PostgreSQL cannot take results right now: .*SQLSTATE 40001: serialization failure/],
    ['57P01', /^lost connection to PostgreSQL: .*SQLSTATE 57P01/],
    ['40P01', /^PostgreSQL cannot take results right now: .*SQLSTATE 40P01: deadlock detected/],
    ['42501', /^PostgreSQL table unusable: .*SQLSTATE 42501: syntax error or access rule violation/],
    ['53300', /^PostgreSQL cannot take results right now: .*SQLSTATE 53300: insufficient resources/],
  ];
  for (const [code, line] of cases) {
    await query(
      url,
      `CREATE OR REPLACE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.url LIKE '%/inject' THEN RAISE EXCEPTION 'injected ${code}' USING ERRCODE = '${code}'; END IF;
         RETURN NEW;
       END $$;
       CREATE OR REPLACE TRIGGER inject BEFORE INSERT ON monitoring FOR EACH ROW EXECUTE FUNCTION inject();`,
    );
    const from = lines.length;
    for (let i = 0; i < 2; i++) {
      const out = await exporter.exportOnce();
      assert.equal(out.exported, 0, code);
      assert.equal(out.setAside, 0, code);
      assert.equal(typeof out.retryAfterMs, 'number', code);
    }
    assert.equal(local.source.countUnexported(), 10, `${code}: every row still queued`);
    const said = messages(lines.slice(from)).filter(
      (m) => !m.startsWith('PostgreSQL connection error') && !m.startsWith('idle'),
    );
    assert.equal(said.length, 1, `${code}: one line for two attempts\n${text()}`);
    assert.match(said[0]!, line);
  }
  assert.equal((await remoteIds(url)).length, 0);
  assert.ok(!messages(lines).some((m) => m.startsWith('result set aside')), text());
  assert.equal((await listed(local, url)).total, 0);

  await query(url, 'DROP TRIGGER inject ON monitoring');
  await assertExportOnce(exporter, 10);
  assert.ok(
    messages(lines).some((m) => /^export to PostgreSQL resumed after \d+ failed attempts/.test(m)),
    text(),
  );
  assert.equal(new Set(await remoteIds(url)).size, 10);
});
