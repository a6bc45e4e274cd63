import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapOf, MAX_GAP_ROWS } from '../../src/fleet/gap.js';
import { phaseOf } from '../../src/jobs/phase.js';
import { resolvedService } from '../helpers/services.js';

const service = resolvedService('http://127.0.0.1:1/gap', { interval_sec: 5 });
const phase = phaseOf(service.key, 5000);
/** A slot of the service's grid. */
const S0 = phase + 5000 * 400_000_000;

test("a takeover's gap: missed rows from the lease's end to the first slot here, the length from the last result", () => {
  const gap = gapOf(
    { serviceKey: service.key, previousAgent: 'dead', lastSlotAt: S0, endedAt: S0 + 12_000 },
    service,
    'taker',
    S0 + 20_500,
    S0 + 20_600,
  );
  assert.equal(gap.firstSlotAt, S0 + 25_000);
  assert.equal(gap.gapMs, 25_000, 'from the last slot in PostgreSQL to the first slot here');
  // S0+5 s and S0+10 s may have been probed by the previous holder and not exported yet: no rows.
  assert.deepEqual(
    gap.missed.map((r) => r.scheduledAt),
    [S0 + 15_000, S0 + 20_000],
  );
  for (const r of gap.missed) {
    assert.equal(r.errorClass, 'missed');
    assert.equal(r.state, 'unknown');
    assert.equal(r.agent, 'taker');
    assert.match(r.errorMessage ?? '', /taken over from dead/);
  }
  assert.equal(gap.leftOutMs, 0);
});

test('a gap never writes a slot at or before the last one in PostgreSQL', () => {
  // The lease ended before the last exported slot (a holder that exported after its lease lapsed).
  const gap = gapOf(
    { serviceKey: service.key, previousAgent: 'x', lastSlotAt: S0 + 10_000, endedAt: S0 },
    service,
    'taker',
    S0 + 16_000,
    S0 + 16_000,
  );
  assert.deepEqual(
    gap.missed.map((r) => r.scheduledAt),
    [S0 + 15_000],
  );
});

test('a day-long gap writes at most MAX_GAP_ROWS slots (the latest) and says how much it left out', () => {
  const day = 86_400_000;
  const gap = gapOf(
    { serviceKey: service.key, previousAgent: 'x', lastSlotAt: null, endedAt: S0 - day },
    service,
    'taker',
    S0 + 1,
    S0 + 1,
  );
  assert.equal(gap.missed.length, MAX_GAP_ROWS);
  assert.equal(gap.missed.at(-1)?.scheduledAt, S0);
  assert.ok(gap.leftOutMs > day - MAX_GAP_ROWS * 5000 - 5000, `left out ${gap.leftOutMs} ms`);
  assert.equal(gap.gapMs, day + 5000);
});
