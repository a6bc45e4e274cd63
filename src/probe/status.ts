import { UsageError } from '../errors.js';

/**
 * The set of HTTP statuses a service counts as ok, parsed once per service from the config's
 * `expect_status` ("200-399", "200,204,300-399"). A bitmap over 100..599 keeps the hot-path check
 * to one array read.
 */
export interface StatusSet {
  has(status: number): boolean;
  /** The spec it was parsed from, for messages. */
  readonly spec: string;
}

const LOW = 100;
const HIGH = 599;

export function parseExpectStatus(spec: string): StatusSet {
  const allowed = new Uint8Array(HIGH - LOW + 1);
  const bad = () =>
    new UsageError(`expect_status must look like 200,204,300-399 (codes 100..599), got '${spec}'`);
  const parts = spec.split(',');
  for (const raw of parts) {
    const m = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(raw);
    if (!m) throw bad();
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < LOW || hi > HIGH || lo > hi) throw bad();
    allowed.fill(1, lo - LOW, hi - LOW + 1);
  }
  return {
    spec,
    has: (status) => status >= LOW && status <= HIGH && allowed[status - LOW] === 1,
  };
}
