// STUB (prober branch only; replaced by branch conditions at merge)
export type Placeholder =
  | 'STATUS'
  | 'RESPONSE_TIME'
  | 'DNS_TIME'
  | 'CONNECT_TIME'
  | 'TLS_TIME'
  | 'TTFB'
  | 'TRANSFER_TIME'
  | 'BODY'
  | 'HEADER'
  | 'CERT_EXPIRY'
  | 'CERT_ISSUER'
  | 'IP'
  | 'BYTES';
export interface Condition {
  readonly source: string;
  readonly placeholders: ReadonlySet<Placeholder>;
}
export class ConditionError extends Error {
  readonly code = 'E_CONDITION';
}
export function parseCondition(text: string): Condition {
  const m = /\[([A-Z_]+)\]/.exec(text);
  return { source: text, placeholders: new Set([m?.[1] as Placeholder]) };
}
export function conditionsUsedPlaceholders(c: Condition): ReadonlySet<Placeholder> {
  return c.placeholders;
}
export function statusCondition(spec: string): Condition {
  return { source: `[STATUS] == any(${spec})`, placeholders: new Set(['STATUS']) };
}
export function regexCondition(re: string): Condition {
  return { source: `[BODY] ~= /${re}/`, placeholders: new Set(['BODY']) };
}
