import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExporter } from '../../src/export/exporter.js';
import { silentLogger } from '../../src/log/logger.js';
import { messages } from '../helpers/logs.js';
import { makeResult } from '../helpers/results.js';
import { assertExportOnce, assertRemoteRows, exporterRig, query } from './fixtures.js';

test('results flow end to end with every column right, then are marked exported locally', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { backoff: undefined, migrate: false });
  const ok = makeResult(0);
  const timeout = makeResult(1, {
    statusCode: null,
    ok: false,
    errorClass: 'timeout',
    errorMessage: 'deadline of 15000 ms exceeded (UND_ERR_HEADERS_TIMEOUT)',
    bytesRead: 0,
    durationMs: 15000,
  });
  const mismatch = makeResult(2, {
    ok: false,
    regexRequired: true,
    regex: 'needle',
    regexMatched: false,
    errorClass: 'regex_mismatch',
    errorMessage: 'body does not match /needle/',
    truncated: true,
  });
  const missed = makeResult(3, {
    startedAt: null,
    durationMs: null,
    statusCode: null,
    ok: false,
    errorClass: 'missed',
  });
  local.add([ok, timeout, mismatch, missed]);

  assert.equal(exporter.state(), 'unknown');
  const out = await exporter.exportOnce();
  assert.deepEqual(out, { exported: 4, full: false, setAside: 0, retryAfterMs: null });
  assert.equal(exporter.state(), 'connected');
  assert.equal(local.source.countUnexported(), 0);

  const rows = await query<Record<string, unknown>>(
    url,
    `SELECT local_id, url, method, status_code, regex_check_required, regex, contains_regex, contains_exception,
            exception, agent, service_key, duration_ms, ok, error_class, bytes_read, truncated,
            to_char(request_timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS request_ts,
            to_char(response_timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS response_ts,
            to_char(local_created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS local_created_ts,
            (extract(epoch FROM scheduled_at) * 1000)::bigint AS scheduled_ms,
            (extract(epoch FROM started_at) * 1000)::bigint AS started_ms,
            (extract(epoch FROM finished_at) * 1000)::bigint AS finished_ms,
            created_at IS NOT NULL AS has_created_at, exported_at IS NOT NULL AS has_exported_at
       FROM monitoring ORDER BY id`,
  );
  assert.equal(rows.length, 4);
  const naive = (ms: number): string => new Date(ms).toISOString().slice(0, 23);
  const byId = new Map(rows.map((r) => [r['local_id'], r]));
  for (const r of [ok, timeout, mismatch, missed]) {
    const row = byId.get(r.id)!;
    assert.ok(row, r.id);
    assert.equal(row['url'], r.url);
    assert.equal(row['method'], r.method);
    assert.equal(row['status_code'], r.statusCode);
    assert.equal(row['regex_check_required'], r.regexRequired);
    assert.equal(row['regex'], r.regex);
    assert.equal(row['contains_regex'], r.regexMatched === true);
    assert.equal(row['exception'], r.errorMessage);
    assert.equal(row['agent'], r.agent);
    assert.equal(row['service_key'], r.serviceKey);
    assert.equal(row['duration_ms'], r.durationMs);
    assert.equal(row['ok'], r.ok);
    assert.equal(row['error_class'], r.errorClass);
    assert.equal(row['bytes_read'], String(r.bytesRead));
    assert.equal(row['truncated'], r.truncated);
    assert.equal(row['request_ts'], naive(r.startedAt ?? r.scheduledAt));
    assert.equal(row['response_ts'], naive(r.finishedAt));
    assert.equal(row['local_created_ts'], naive(r.finishedAt));
    assert.equal(row['scheduled_ms'], String(r.scheduledAt));
    assert.equal(row['started_ms'], r.startedAt === null ? null : String(r.startedAt));
    assert.equal(row['finished_ms'], String(r.finishedAt));
    assert.equal(row['has_created_at'], true);
    assert.equal(row['has_exported_at'], true);
  }
  // contains_exception: an exception during the request, not a verdict on the response.
  assert.equal(byId.get(ok.id)!['contains_exception'], false);
  assert.equal(byId.get(timeout.id)!['contains_exception'], true);
  assert.equal(byId.get(mismatch.id)!['contains_exception'], false);
  assert.equal(byId.get(missed.id)!['contains_exception'], true);

  // Nothing left: a second call touches nothing.
  await assertExportOnce(exporter, 0);
});

test('batches: a full batch says so, and the next call takes the rest in order', async (t) => {
  const { url, local, exporter } = await exporterRig(t, {
    batchSize: 10,
    backoff: undefined,
    migrate: false,
  });
  local.add(Array.from({ length: 25 }, (_, i) => makeResult(i)));
  await assertExportOnce(exporter, 10, { full: true });
  await assertExportOnce(exporter, 10, { full: true });
  await assertExportOnce(exporter, 5);
  await assertRemoteRows(url, 25);
});

test('a crash between the remote COMMIT and the local mark: the resend is absorbed, every row once', async (t) => {
  const {
    url,
    local,
    exporter: crashing,
  } = await exporterRig(t, {
    backoff: undefined,
    migrate: false,
    afterCommit: () => {
      throw new Error('simulated crash after COMMIT');
    },
  });
  const results = Array.from({ length: 30 }, (_, i) => makeResult(i));
  local.add(results);
  await assert.rejects(crashing.exportOnce(), /simulated crash after COMMIT/);
  await crashing.close();
  const [sent] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM monitoring');
  assert.equal(sent?.n, '30', 'the batch reached PostgreSQL');
  assert.equal(local.source.countUnexported(), 30, 'but was not marked locally');

  local.add([makeResult(99)]);
  const exporter = createExporter({ uri: url, source: local.source, logger: silentLogger() });
  t.after(() => exporter.close());
  await assertExportOnce(exporter, 31);
  assert.equal(local.source.countUnexported(), 0);
  await assertRemoteRows(url, 31);
});

test('poison rows are set aside with the reason; the rest of the batch arrives', async (t) => {
  const { url, local, exporter, lines } = await exporterRig(t, { backoff: undefined });
  await query(url, `ALTER TABLE monitoring ADD CONSTRAINT no_poison CHECK (url NOT LIKE '%poison%')`);
  const results = Array.from({ length: 40 }, (_, i) =>
    makeResult(i, i === 7 || i === 31 ? { url: `http://127.0.0.1/poison/${i}` } : {}),
  );
  // A NUL character is refused by PostgreSQL text (22021) but fine in SQLite.
  results.push(makeResult(40, { errorMessage: 'bad \u0000 byte' }));
  local.add(results);

  const out = await exporter.exportOnce();
  assert.deepEqual(out, { exported: 38, full: false, setAside: 3, retryAfterMs: null });
  assert.equal(local.source.countUnexported(), 0);
  const remote = await query<{ local_id: string }>(url, 'SELECT local_id FROM monitoring');
  const poisoned = new Set([results[7]!.id, results[31]!.id, results[40]!.id]);
  assert.deepEqual(
    new Set(remote.map((r) => r.local_id)),
    new Set(results.filter((r) => !poisoned.has(r.id)).map((r) => r.id)),
  );
  const reasons = local.ldb.sqlite
    .prepare(
      'SELECT id, set_aside_reason AS reason FROM results WHERE set_aside_reason IS NOT NULL ORDER BY seq',
    )
    .all() as Array<{ id: string; reason: string }>;
  assert.deepEqual(
    reasons.map((r) => r.id),
    [results[7]!.id, results[31]!.id, results[40]!.id],
  );
  assert.match(reasons[0]!.reason, /no_poison.*23514/);
  assert.match(reasons[2]!.reason, /22021|0x00/);
  assert.equal(messages(lines).filter((m) => m.startsWith('result set aside')).length, 3);
  assert.equal(exporter.state(), 'connected');
});

test('awkward text arrives byte for byte (quotes, backslashes, braces, commas, newlines, NULL-like words)', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { backoff: undefined, migrate: false });
  const texts = [
    'say "hi", then {leave}',
    'C:\\path\\to\\"file"\\',
    'line one\nline two\r\n\ttabbed',
    'NULL',
    '',
    'ünïcødé ✓ 日本語 🚀',
    '{"json": [1, 2, {"x": "y\\\\z"}]}',
  ];
  const results = texts.map((text, i) =>
    makeResult(i, {
      errorMessage: text,
      regex: `${text}$`,
      regexRequired: true,
      url: `http://h/${i}?q="${text}"`,
    }),
  );
  local.add(results);
  assert.equal((await exporter.exportOnce()).exported, texts.length);
  const rows = await query<{ local_id: string; exception: string | null; regex: string; url: string }>(
    url,
    'SELECT local_id, exception, regex, url FROM monitoring',
  );
  const byId = new Map(rows.map((r) => [r.local_id, r]));
  for (const r of results) {
    const row = byId.get(r.id)!;
    assert.equal(row.exception, r.errorMessage);
    assert.equal(row.regex, r.regex);
    assert.equal(row.url, r.url);
  }
});

test('exportOnce is single-flight: overlapping calls share one batch', async (t) => {
  const { local, exporter } = await exporterRig(t, { batchSize: 5, backoff: undefined, migrate: false });
  local.add(Array.from({ length: 12 }, (_, i) => makeResult(i)));
  const [a, b] = await Promise.all([exporter.exportOnce(), exporter.exportOnce()]);
  assert.equal(a, b, 'the same outcome object');
  assert.equal(a.exported, 5);
  assert.equal(local.source.countUnexported(), 7);
});

test('draining a backlog (next batch read while the current one is inserted): every row once, in order', async (t) => {
  const { url, local, exporter } = await exporterRig(t, {
    batchSize: 10,
    backoff: undefined,
    migrate: false,
  });
  local.add(Array.from({ length: 30 }, (_, i) => makeResult(i)));
  assert.equal((await exporter.exportOnce()).exported, 10);
  local.add(Array.from({ length: 5 }, (_, i) => makeResult(100 + i)));
  assert.equal((await exporter.exportOnce()).exported, 10);
  // An old read-ahead is not trusted: the next call reads again (and still finds the same rows).
  await new Promise((r) => setTimeout(r, 1100));
  local.add(Array.from({ length: 5 }, (_, i) => makeResult(200 + i)));
  const outcomes = [];
  for (let i = 0; i < 5 && local.source.countUnexported() > 0; i++)
    outcomes.push(await exporter.exportOnce());
  assert.equal(local.source.countUnexported(), 0);
  assert.deepEqual(
    outcomes.map((o) => o.exported),
    [10, 10],
  );
  const rows = await query<{ local_id: string; id: number }>(
    url,
    'SELECT local_id, id FROM monitoring ORDER BY id',
  );
  assert.equal(rows.length, 40);
  assert.equal(new Set(rows.map((r) => r.local_id)).size, 40);
  const seqOf = new Map(
    (local.ldb.sqlite.prepare('SELECT id, seq FROM results').all() as Array<{ id: string; seq: number }>).map(
      (r) => [r.id, r.seq],
    ),
  );
  const seqs = rows.map((r) => seqOf.get(r.local_id)!);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'exported in local insertion order',
  );
});

test('when every row fails alike the table is at fault: nothing is set aside, the batch waits', async (t) => {
  const { url, local, exporter, lines, text } = await exporterRig(t);
  // A constraint added by hand that no row can satisfy.
  await query(url, `ALTER TABLE monitoring ADD CONSTRAINT impossible CHECK (url = 'nothing')`);
  local.add(Array.from({ length: 6 }, (_, i) => makeResult(i)));
  for (let i = 0; i < 3; i++) {
    const out = await exporter.exportOnce();
    assert.equal(out.exported, 0);
    assert.equal(out.setAside, 0);
    assert.equal(typeof out.retryAfterMs, 'number');
  }
  assert.equal(local.source.countUnexported(), 6, 'nothing set aside');
  const msgs = messages(lines).filter((m) => m.startsWith('PostgreSQL table unusable'));
  assert.equal(msgs.length, 1, text());
  assert.match(msgs[0]!, /rejected every row of the batch: .*impossible.*23514/);

  await query(url, 'ALTER TABLE monitoring DROP CONSTRAINT impossible');
  await assertExportOnce(exporter, 6);
});

test('a poison row alone waits; it is set aside once a good row gets through beside it', async (t) => {
  const { local, exporter } = await exporterRig(t, { migrate: false });
  const poison = makeResult(0, { errorMessage: 'nul \u0000 byte' });
  local.add([poison]);
  const alone = await exporter.exportOnce();
  assert.equal(alone.setAside, 0);
  assert.equal(typeof alone.retryAfterMs, 'number');
  local.add([makeResult(1)]);
  await assertExportOnce(exporter, 1, { setAside: 1 });
  assert.equal(local.source.countUnexported(), 0);
});
