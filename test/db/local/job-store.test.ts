import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJobStore, type LocalDatabase, openLocalDatabase } from '../../../src/db/local/index.js';
import type { NewJob } from '../../../src/queue/store.js';
import { makeResult } from '../../helpers/results.js';
import { openTemp, probePayload } from './fixtures.js';

const probe = (key: string, at: number, extra: Partial<NewJob<'probe'>> = {}): NewJob<'probe'> => ({
  kind: 'probe',
  payload: probePayload(key, at),
  runAt: at,
  dedupeKey: `${key}@${at}`,
  ...extra,
});

function jobRow(ldb: LocalDatabase, id: number) {
  return ldb.sqlite.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as {
    state: string;
    attempts: number;
    run_at: number;
    last_error: string | null;
    lease_token: string | null;
  };
}

test('a claimed job whose lease expired is claimed again, with a new token and one more attempt', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([probe('a', 1000, { maxAttempts: 3 })]);
  const [first] = store.claim({ limit: 10, now: 1000, leaseMs: 500 });
  assert.ok(first);
  assert.equal(first.attempts, 1);
  assert.deepEqual(first.payload, probePayload('a', 1000));
  // Still leased: nothing to claim.
  assert.equal(store.claim({ limit: 10, now: 1499, leaseMs: 500 }).length, 0);
  const [again] = store.claim({ limit: 10, now: 1500, leaseMs: 500 });
  assert.ok(again);
  assert.equal(again.id, first.id);
  assert.equal(again.attempts, 2);
  assert.notEqual(again.leaseToken, first.leaseToken);
  assert.equal(again.leaseUntil, 2000);
});

test('an expired lease on the last allowed attempt makes the job dead, not claimable', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([probe('a', 1000)]); // probes default to one attempt
  const [job] = store.claim({ limit: 10, now: 1000, leaseMs: 100 });
  assert.equal(job?.maxAttempts, 1);
  assert.equal(store.claim({ limit: 10, now: 5000, leaseMs: 100 }).length, 0);
  const row = jobRow(ldb, job!.id);
  assert.equal(row.state, 'dead');
  assert.match(row.last_error ?? '', /lease expired/);
});

test('a stale token changes nothing: complete, fail, release, recordProbeResults', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([probe('a', 1000, { maxAttempts: 5 })]);
  const [old] = store.claim({ limit: 1, now: 1000, leaseMs: 100 });
  const [cur] = store.claim({ limit: 1, now: 2000, leaseMs: 100_000 });
  assert.ok(old && cur && old.id === cur.id);
  const stale = { id: old.id, token: old.leaseToken };
  const before = jobRow(ldb, old.id);

  assert.equal(store.complete([stale]), 0);
  assert.equal(store.fail(stale, 'boom', 9999, 2001), false);
  assert.equal(store.release([stale]), 0);
  assert.equal(store.recordProbeResults([{ result: makeResult('a', 1000), job: stale }]), 0);
  assert.equal(store.complete([{ id: old.id, token: 'not-a-token' }]), 0);

  assert.deepEqual(jobRow(ldb, old.id), before);
  assert.equal(ldb.sqlite.prepare('SELECT count(*) FROM results').pluck().get(), 0);
  // The current holder still can.
  assert.equal(
    store.recordProbeResults([{ result: makeResult('a', 1000), job: { id: cur.id, token: cur.leaseToken } }]),
    1,
  );
  assert.equal(jobRow(ldb, cur.id), undefined);
  // And once done, its own token is stale too.
  assert.equal(store.complete([{ id: cur.id, token: cur.leaseToken }]), 0);
});

test('dedupe: the same key twice gives one row, also after close and reopen', (t) => {
  const { ldb, path } = openTemp(t);
  const store = createJobStore(ldb);
  assert.equal(store.enqueue([probe('a', 1000), probe('a', 1000), probe('b', 1000)]), 2);
  assert.equal(store.enqueue([probe('a', 1000)]), 0);
  // Jobs without a key never collide.
  assert.equal(
    store.enqueue([
      { kind: 'collect', payload: {}, runAt: 1 },
      { kind: 'collect', payload: {}, runAt: 1 },
    ]),
    2,
  );
  ldb.close();
  const reopened = openLocalDatabase(path);
  t.after(() => reopened.close());
  const store2 = createJobStore(reopened);
  assert.equal(store2.enqueue([probe('a', 1000), probe('b', 1000), probe('a', 2000)]), 1);
  assert.equal(reopened.sqlite.prepare("SELECT count(*) FROM jobs WHERE kind = 'probe'").pluck().get(), 3);
  // A finished job still holds its key: a restarted scheduler cannot re-run the slot.
  const claimed = store2.claim({ limit: 10, now: 5000, leaseMs: 1000, kinds: ['probe'] });
  store2.complete(claimed.map((j) => ({ id: j.id, token: j.leaseToken })));
  assert.equal(store2.enqueue([probe('a', 1000)]), 0);
});

test('batch claim: oldest runAt first, respects limit, kinds and runAtBefore', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([
    probe('c', 3000),
    probe('a', 1000),
    { kind: 'export', payload: {}, runAt: 500, dedupeKey: 'export' },
    probe('b', 2000),
    probe('d', 4000),
    probe('e', 9000),
  ]);
  const probes = store.claim({ limit: 2, now: 5000, leaseMs: 1000, kinds: ['probe'] });
  assert.deepEqual(
    probes.map((j) => j.runAt),
    [1000, 2000],
  );
  assert.ok(probes.every((j) => j.kind === 'probe' && j.state === 'running'));
  // runAtBefore lets the runner claim a little ahead of `now`, but no further.
  const ahead = store.claim({ limit: 10, now: 2500, runAtBefore: 4000, leaseMs: 1000, kinds: ['probe'] });
  assert.deepEqual(
    ahead.map((j) => j.runAt),
    [3000, 4000],
  );
  assert.equal(store.claim({ limit: 10, now: 5000, leaseMs: 1000, kinds: [] }).length, 0);
  const rest = store.claim({ limit: 10, now: 5000, leaseMs: 1000 });
  assert.deepEqual(
    rest.map((j) => j.kind),
    ['export'],
  );
  assert.equal(rest[0]?.maxAttempts, 10);
});

test('fail: back to queued at retryAt while attempts remain, then dead; null retryAt is dead at once', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([
    { kind: 'export', payload: {}, runAt: 0, maxAttempts: 2, dedupeKey: 'e' },
    { kind: 'collect', payload: {}, runAt: 0, dedupeKey: 'c' },
  ]);
  const [e1] = store.claim({ limit: 1, now: 10, leaseMs: 100, kinds: ['export'] });
  assert.equal(store.fail({ id: e1!.id, token: e1!.leaseToken }, 'remote down', 500, 20), true);
  let row = jobRow(ldb, e1!.id);
  assert.deepEqual(
    [row.state, row.run_at, row.last_error, row.lease_token],
    ['queued', 500, 'remote down', null],
  );
  assert.equal(store.claim({ limit: 1, now: 499, leaseMs: 100, kinds: ['export'] }).length, 0);
  const [e2] = store.claim({ limit: 1, now: 500, leaseMs: 100, kinds: ['export'] });
  assert.equal(e2?.attempts, 2);
  store.fail({ id: e2!.id, token: e2!.leaseToken }, 'still down', 900, 510);
  row = jobRow(ldb, e2!.id);
  assert.equal(row.state, 'dead');
  assert.equal(store.claim({ limit: 1, now: 10_000, leaseMs: 100, kinds: ['export'] }).length, 0);

  const [c] = store.claim({ limit: 1, now: 10, leaseMs: 100, kinds: ['collect'] });
  store.fail({ id: c!.id, token: c!.leaseToken }, 'bad', null, 11);
  assert.equal(jobRow(ldb, c!.id).state, 'dead');
});

test('release gives the lease back without counting an attempt', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([probe('a', 1000), probe('b', 1000)]);
  const claimed = store.claim({ limit: 10, now: 1000, leaseMs: 60_000 });
  assert.equal(store.release(claimed.map((j) => ({ id: j.id, token: j.leaseToken }))), 2);
  const again = store.claim({ limit: 10, now: 1001, leaseMs: 60_000 });
  assert.equal(again.length, 2);
  assert.ok(again.every((j) => j.attempts === 1));
});

test('recordProbeResults writes results and completes their jobs; one result per slot', (t) => {
  const { ldb } = openTemp(t);
  const store = createJobStore(ldb);
  store.enqueue([probe('a', 1000), probe('b', 1000)]);
  const [a, b] = store.claim({ limit: 10, now: 1000, leaseMs: 60_000 });
  const ra = makeResult('a', 1000, {
    durationMs: 10.5,
    ok: false,
    errorClass: 'regex_mismatch',
    regexRequired: true,
    regex: 'x',
    regexMatched: false,
    truncated: true,
  });
  const written = store.recordProbeResults([
    { result: ra, job: { id: a!.id, token: a!.leaseToken } },
    { result: makeResult('b', 1000), job: { id: b!.id, token: b!.leaseToken } },
    // Same slot again (a second result for service a at 1000) and a result made outside the queue.
    { result: makeResult('a', 1000), job: null },
    { result: makeResult('manual', 7), job: null },
  ]);
  assert.equal(written, 3);
  // A probe job goes with its result: deleted in the same transaction, not left 'done' for collect.
  assert.equal(jobRow(ldb, a!.id), undefined);
  assert.equal(jobRow(ldb, b!.id), undefined);
  const stored = ldb.sqlite.prepare('SELECT * FROM results WHERE service_key = ?').get('a') as Record<
    string,
    unknown
  >;
  assert.equal(stored.id, ra.id);
  assert.equal(stored.error_class, 'regex_mismatch');
  assert.equal(stored.regex_matched, 0);
  assert.equal(stored.truncated, 1);
  assert.equal(stored.duration_ms, 10.5);
  assert.equal(stored.exported_at, null);
  // The same result id twice is absorbed too.
  assert.equal(store.recordProbeResults([{ result: { ...ra, scheduledAt: 2000 }, job: null }]), 0);
});
