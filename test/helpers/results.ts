import type { ProbeResult } from '../../src/results/types.js';
import { uuidv7 } from '../../src/util/uuidv7.js';

/** The slot of `makeResult(0)`; result `i` is scheduled `i` seconds later. */
const FIRST_SLOT = Date.UTC(2026, 10, 25, 9, 0, 0);

/**
 * An ok 200 GET result with every field set and a fresh id, fields overridable one by one.
 *
 * - `makeResult(i, overrides?)`: the `i`-th of a series, told apart by its values: service
 *   `svc-${i % 7}`, scheduled `i` s after a fixed slot, a URL and byte count of its own, and a
 *   regex (matched) on even `i` only. Distinct `i` never share a slot.
 * - `makeResult(serviceKey, scheduledAt, overrides?)`: that service's result for that slot, no regex.
 *
 * Both start 3 ms after the slot and take 42 ms (an integer, as the remote column keeps).
 */
export function makeResult(i: number, overrides?: Partial<ProbeResult>): ProbeResult;
export function makeResult(
  serviceKey: string,
  scheduledAt: number,
  overrides?: Partial<ProbeResult>,
): ProbeResult;
export function makeResult(
  keyOrIndex: string | number,
  slotOrOverrides?: number | Partial<ProbeResult>,
  overrides: Partial<ProbeResult> = {},
): ProbeResult {
  if (typeof keyOrIndex === 'number') {
    const i = keyOrIndex;
    const regex = i % 2 === 0 ? 'ok' : null;
    return result(`svc-${i % 7}`, FIRST_SLOT + i * 1000, {
      url: `http://127.0.0.1:8000/test?i=${i}`,
      regexRequired: regex !== null,
      regex,
      regexMatched: regex !== null ? true : null,
      bytesRead: 100 + i,
      ...(slotOrOverrides as Partial<ProbeResult> | undefined),
    });
  }
  return result(keyOrIndex, slotOrOverrides as number, overrides);
}

function result(serviceKey: string, scheduledAt: number, overrides: Partial<ProbeResult>): ProbeResult {
  return {
    id: uuidv7(),
    agent: 'test-agent',
    serviceKey,
    url: `http://127.0.0.1:1/${serviceKey}`,
    method: 'GET',
    scheduledAt,
    startedAt: scheduledAt + 3,
    finishedAt: scheduledAt + 45,
    durationMs: 42,
    statusCode: 200,
    ok: true,
    regexRequired: false,
    regex: null,
    regexMatched: null,
    errorClass: null,
    errorMessage: null,
    bytesRead: 42,
    truncated: false,
    ...overrides,
  };
}
