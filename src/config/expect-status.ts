import { UsageError } from '../errors.js';

/**
 * The one grammar of `expect_status`: "200", "200-399", "200,204, 300 - 399" (codes 100..599,
 * ranges low-high, spaces allowed around each part and its dash). The config's validation and the
 * prober both parse with it, so a spec the config accepts is one the prober can use.
 */
export interface StatusSet {
  has(status: number): boolean;
  /** The spec it was parsed from, for messages. */
  readonly spec: string;
}

const LOW = 100;
const HIGH = 599;
const PART = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/;

/** The message for a spec outside the grammar; `shown` is the spec as the caller may print it. */
export function expectStatusMessage(shown: string): string {
  return `expect_status must look like 200,204,300-399 (codes 100..599), got '${shown}'`;
}

/** The codes and ranges of `spec` as [low, high] pairs (a single code is [c, c]), or null when it is outside the grammar. */
export function expectStatusRanges(spec: string): Array<readonly [number, number]> | null {
  const ranges: Array<readonly [number, number]> = [];
  for (const raw of spec.split(',')) {
    const m = PART.exec(raw);
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < LOW || hi > HIGH || lo > hi) return null;
    ranges.push([lo, hi]);
  }
  return ranges;
}

/** The set of statuses `spec` allows, or null when it is outside the grammar. */
export function tryParseExpectStatus(spec: string): StatusSet | null {
  const ranges = expectStatusRanges(spec);
  if (ranges === null) return null;
  // A bitmap over 100..599 keeps the hot-path check to one array read.
  const allowed = new Uint8Array(HIGH - LOW + 1);
  for (const [lo, hi] of ranges) allowed.fill(1, lo - LOW, hi - LOW + 1);
  return {
    spec,
    has: (status) => status >= LOW && status <= HIGH && allowed[status - LOW] === 1,
  };
}

/** tryParseExpectStatus, throwing a UsageError naming the spec when it is outside the grammar. */
export function parseExpectStatus(spec: string): StatusSet {
  const set = tryParseExpectStatus(spec);
  if (set === null) throw new UsageError(expectStatusMessage(spec));
  return set;
}
