/**
 * The parsed form of a condition (docs/config.md, "Conditions"): what the parser builds once at
 * config time and the evaluator (src/probe/conditions.ts) walks on every probe.
 */

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

/**
 * How a left side compares: `duration` in ms (a bare number on the right means ms), `number`,
 * `text` (no ordering), `json` (a value of the parsed body, compared by its JSON type) and `bool`
 * (what has() gives).
 */
export type ValueType = 'duration' | 'number' | 'text' | 'json' | 'bool';

/** The type of each placeholder; BODY is `text`, or `json` when a path follows it. */
export const PLACEHOLDER_TYPES: Readonly<Record<Placeholder, ValueType>> = {
  STATUS: 'number',
  RESPONSE_TIME: 'duration',
  DNS_TIME: 'duration',
  CONNECT_TIME: 'duration',
  TLS_TIME: 'duration',
  TTFB: 'duration',
  TRANSFER_TIME: 'duration',
  BODY: 'text',
  HEADER: 'text',
  CERT_EXPIRY: 'duration',
  CERT_ISSUER: 'text',
  IP: 'text',
  BYTES: 'number',
};

/** One step of a JSON path: a key (`.name`) or an array index (`[2]`). */
export type PathStep = string | number;

/** What a condition looks at. */
export type Subject =
  /** A placeholder on its own; `BODY` here is the body text. */
  | { readonly kind: 'placeholder'; readonly name: Exclude<Placeholder, 'HEADER'> }
  /** `[BODY].a[0].b`: a value of the body parsed as JSON; `path` is never empty. */
  | { readonly kind: 'json'; readonly path: readonly PathStep[] }
  /** `[HEADER].name`: a response header, `name` lower-case. */
  | { readonly kind: 'header'; readonly name: string };

export type ConditionFunction = 'len' | 'has';

export interface Left {
  /** `len(…)` (a number) or `has(…)` (a boolean) around the subject, or null for the subject itself. */
  readonly fn: ConditionFunction | null;
  readonly subject: Subject;
}

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | '~=';

export type Literal =
  | { readonly kind: 'number'; readonly value: number }
  /** `800ms`, `1.5s`, `1h30m`: `value` in ms, `text` as written (for the normalised source). */
  | { readonly kind: 'duration'; readonly value: number; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** `N-M` inside any(), both ends included. */
export interface Range {
  readonly kind: 'range';
  readonly low: number;
  readonly high: number;
}

export type Right =
  | Literal
  | { readonly kind: 'any'; readonly items: readonly (Literal | Range)[] }
  /** `/source/flags`, only with `~=`; `source` has every `/` outside a class escaped. */
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string };

/**
 * A parsed condition. Only valid combinations exist: the parser checks the operator and the right
 * side against the left side's type, so the evaluator does not check them again.
 */
export interface Condition {
  /** The normalised text, for display and storage; it parses back to an equal condition. */
  readonly source: string;
  readonly left: Left;
  readonly op: Operator;
  readonly right: Right;
}

/** The type the left side compares as. */
export function leftType(left: Left): ValueType {
  if (left.fn === 'has') return 'bool';
  if (left.fn === 'len') return 'number';
  const s = left.subject;
  if (s.kind === 'json') return 'json';
  if (s.kind === 'header') return 'text';
  return PLACEHOLDER_TYPES[s.name];
}
