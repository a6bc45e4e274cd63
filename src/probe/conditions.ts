// STUB (prober branch only)
import type { Condition } from '../config/conditions.js';
import type { ConditionOutcome } from '../results/types.js';
export interface Observation {
  status: number | null;
  responseTimeMs: number | null;
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  transferMs: number | null;
  body: string | null;
  headers: Record<string, string | string[] | undefined> | null;
  certExpiresAt: number | null;
  certIssuer: string | null;
  ip: string | null;
  bytesRead: number;
  now: number;
}
export type RegexTest = (source: string, flags: string, text: string) => boolean | Promise<boolean>;
export function evaluateCondition(
  c: Condition,
  o: Observation,
  degrades: boolean,
  _r: RegexTest,
): ConditionOutcome | Promise<ConditionOutcome> {
  const m = /^\[RESPONSE_TIME\] < (\d+)/.exec(c.source);
  if (m)
    return {
      condition: c.source,
      degrades,
      held: (o.responseTimeMs ?? 0) < Number(m[1]),
      observed: `${o.responseTimeMs}ms`,
    };
  const e = /^\[CERT_EXPIRY\] > (\d+)d/.exec(c.source);
  if (e)
    return {
      condition: c.source,
      degrades,
      held: o.certExpiresAt !== null && o.certExpiresAt - o.now > Number(e[1]) * 86400000,
      observed: String(o.certExpiresAt),
    };
  return { condition: c.source, degrades, held: true, observed: null };
}
