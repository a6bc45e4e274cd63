import type { ProbeResult } from '../../src/results/types.js';
import type { Unmeasured } from '../../src/results/without-response.js';
import { UNMEASURED } from '../../src/results/without-response.js';
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
    state: 'up',
    maintenance: false,
    ...UNMEASURED,
    ...overrides,
  };
}

/**
 * Every detail field set, each to a value of its own: a degraded HTTPS result whose certificate
 * expires soon. The conditions hold awkward text (quotes, a backslash, a newline, non-ASCII) so
 * that a round trip through SQLite JSON text and PostgreSQL jsonb has something to get wrong.
 */
export const DETAILS: Pick<ProbeResult, 'state' | 'ok' | 'errorClass' | 'errorMessage'> & Unmeasured =
  Object.freeze({
    state: 'degraded',
    ok: true,
    errorClass: 'cert_expiring',
    errorMessage: 'certificate expires in 9 days (at least 14 required)',
    conditions: [
      { condition: '[STATUS] == 200', degrades: false, held: true, observed: '200' },
      { condition: '[BODY].status == "ok"', degrades: false, held: true, observed: '"ok" \\ \n ünï ✓' },
      { condition: '[CERT_EXPIRY] > 336h', degrades: true, held: false, observed: '216h' },
      { condition: '[CONNECTED] == true', degrades: false, held: true, observed: null },
    ],
    resolvedIp: '2001:db8::7',
    dnsMs: 3,
    connectMs: 11,
    tlsMs: 27,
    ttfbMs: 54,
    transferMs: 8,
    tlsVersion: 'TLSv1.3',
    certIssuer: 'CN=Test CA "R3", O=Example\\Org',
    certExpiresAt: Date.UTC(2026, 11, 12, 8, 30, 0, 250),
    certChainExpiresAt: Date.UTC(2026, 11, 10, 0, 0, 0, 0),
  });
