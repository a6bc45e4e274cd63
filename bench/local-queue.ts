/**
 * Throughput of the local SQLite queue on a real file (WAL, synchronous=NORMAL):
 *   node dist/bench/local-queue.js [rows=200000]
 * Prints rows/s for: recordProbeResults in batches of 200 (raw prepared statements), the same
 * insert through drizzle's query builder (to justify raw statements in the hot path), a
 * claim+complete cycle, and the whole probe path (enqueue, claim, recordProbeResults).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobStore, type LocalDatabase, localSchema, openLocalDatabase } from '../src/db/local/index.js';
import type { NewJob } from '../src/queue/store.js';
import type { ProbeResult } from '../src/results/types.js';
import { UNMEASURED } from '../src/results/without-response.js';
import { uuidv7 } from '../src/util/uuidv7.js';

const TOTAL = Number(process.argv[2] ?? 200_000);
const BATCH = 200;

function result(i: number, key = `svc-${i % 10_000}`): ProbeResult {
  return {
    id: uuidv7(),
    agent: 'bench',
    serviceKey: key,
    url: `http://127.0.0.1:8080/${key}`,
    method: 'GET',
    scheduledAt: 1_700_000_000_000 + i,
    startedAt: 1_700_000_000_001 + i,
    finishedAt: 1_700_000_000_020 + i,
    durationMs: 19.2,
    statusCode: 200,
    ok: true,
    regexRequired: false,
    regex: null,
    regexMatched: null,
    errorClass: null,
    errorMessage: null,
    bytesRead: 512,
    truncated: false,
    state: 'up',
    ...UNMEASURED,
  };
}

/** The drizzle insert's row: conditions are JSON text in SQLite. */
function asRow(r: ProbeResult) {
  return { ...r, conditions: r.conditions === null ? null : JSON.stringify(r.conditions) };
}

function withDb<T>(name: string, fn: (ldb: LocalDatabase) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const ldb = openLocalDatabase(join(dir, 'monitor.db'));
  try {
    return fn(ldb);
  } finally {
    ldb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rate(rows: number, start: bigint): number {
  return Math.round(rows / (Number(process.hrtime.bigint() - start) / 1e9));
}

const rows: Record<string, number> = {};

rows['recordProbeResults, batches of 200 (raw prepared)'] = withDb('record', (ldb) => {
  const store = createJobStore(ldb);
  const batches = Array.from({ length: TOTAL / BATCH }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => ({ result: result(b * BATCH + i), job: null })),
  );
  const t0 = process.hrtime.bigint();
  for (const items of batches) store.recordProbeResults(items);
  return rate(TOTAL, t0);
});

rows['same insert via drizzle query builder, batches of 200'] = withDb('drizzle', (ldb) => {
  const batches = Array.from({ length: TOTAL / BATCH }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => result(b * BATCH + i)),
  );
  const t0 = process.hrtime.bigint();
  for (const items of batches) {
    ldb.db.transaction((tx) => {
      for (const r of items) tx.insert(localSchema.results).values(asRow(r)).onConflictDoNothing().run();
    });
  }
  return rate(TOTAL, t0);
});

const probeJobs = (n: number, offset = 0): NewJob[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'probe' as const,
    payload: { serviceKey: `svc-${i}`, scheduledAt: offset + i, windowEndsAt: offset + i + 5000 },
    runAt: offset + i,
    dedupeKey: `svc-${i}@${offset + i}`,
  }));

rows['claim(200) + complete cycle (jobs/s)'] = withDb('claim', (ldb) => {
  const store = createJobStore(ldb);
  for (let i = 0; i < TOTAL; i += 10_000) store.enqueue(probeJobs(10_000, i));
  const t0 = process.hrtime.bigint();
  let done = 0;
  for (;;) {
    const jobs = store.claim({ limit: BATCH, now: TOTAL + 1, leaseMs: 60_000 });
    if (jobs.length === 0) break;
    done += store.complete(jobs.map((j) => ({ id: j.id, token: j.leaseToken })));
  }
  if (done !== TOTAL) throw new Error(`completed ${done} of ${TOTAL}`);
  return rate(TOTAL, t0);
});

rows['probe path: enqueue + claim(200) + recordProbeResults (jobs/s)'] = withDb('path', (ldb) => {
  const store = createJobStore(ldb);
  const t0 = process.hrtime.bigint();
  let done = 0;
  for (let i = 0; i < TOTAL; i += BATCH) {
    store.enqueue(probeJobs(BATCH, i));
    const jobs = store.claim({ limit: BATCH, now: TOTAL + 1, leaseMs: 60_000, kinds: ['probe'] });
    done += store.recordProbeResults(
      jobs.map((j, k) => ({ result: result(i + k, `svc-${i + k}`), job: { id: j.id, token: j.leaseToken } })),
    );
  }
  if (done !== TOTAL) throw new Error(`recorded ${done} of ${TOTAL}`);
  return rate(TOTAL, t0);
});

process.stdout.write(`local queue, ${TOTAL} rows, file in ${tmpdir()}\n`);
for (const [name, perSecond] of Object.entries(rows)) {
  process.stdout.write(`${name.padEnd(66)} ${perSecond.toLocaleString('en-US').padStart(10)} /s\n`);
}
