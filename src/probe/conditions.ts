import type { Condition, Literal, Operator, Range, Right } from '../config/conditions.js';
import { displayValue, lengthOf, Missing, subjectValue, textOf } from './condition-values.js';

/**
 * Evaluates a parsed condition (src/config/conditions.ts) against what one probe observed. The
 * parser has already checked every operator and value against the left side's type, so this is a
 * lookup and a comparison: nothing is compiled or parsed here except the body's JSON, at most once
 * per observation however many conditions read it.
 */

/** What one probe saw; an observation is not changed once conditions have read it. */
export interface Observation {
  status: number | null;
  responseTimeMs: number | null;
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  transferMs: number | null;
  /** The read body prefix as UTF-8 (null when no body was read). */
  body: string | null;
  /** Response headers, names lower-case (undici's shape). */
  headers: Record<string, string | string[] | undefined> | null;
  /** Earliest notAfter in the chain, epoch ms; null when not HTTPS. */
  certExpiresAt: number | null;
  certIssuer: string | null;
  ip: string | null;
  bytesRead: number;
  /** Epoch ms, for CERT_EXPIRY. */
  now: number;
}

export interface ConditionOutcome {
  /** The condition's normalised source. */
  condition: string;
  degrades: boolean;
  held: boolean;
  /** A short display of the observed value (`200`, `950ms`, `"UP"`, `len=3`), or why there is none. */
  observed: string | null;
}

/** Whether `text` contains a match of `/source/flags`; the prober passes its budgeted matcher. */
export type RegexTest = (source: string, flags: string, text: string) => boolean | Promise<boolean>;

/**
 * Whether `c` holds for `o`. Synchronous unless the regex test of a `~=` condition returns a
 * promise; a rejection of that promise (e.g. the matcher's timeout) is passed on.
 *
 * A value that is not there (no response, no certificate, path not found, body not JSON) makes
 * the condition fail with `observed` saying why, except `has(…)`, which is then false, and
 * `== null`, which holds.
 */
export function evaluateCondition(
  c: Condition,
  o: Observation,
  degrades: boolean,
  regexTest: RegexTest,
): ConditionOutcome | Promise<ConditionOutcome> {
  const left = c.left;
  const raw = subjectValue(left.subject, o);
  if (left.fn === 'has') {
    const missing = raw instanceof Missing;
    const present = !missing && raw !== null;
    const wanted = c.right.kind === 'bool' && c.right.value;
    const observed = missing ? raw.reason : displayValue(left.subject, raw);
    return outcome(c, degrades, (present === wanted) === (c.op === '=='), observed);
  }
  const v = left.fn === 'len' && !(raw instanceof Missing) ? lengthOf(raw) : raw;
  if (v instanceof Missing) return outcome(c, degrades, c.op === '==' && c.right.kind === 'null', v.reason);
  const observed = left.fn === 'len' ? `len=${v}` : displayValue(left.subject, v);
  const right = c.right;
  if (right.kind === 'regex') {
    const matched = regexTest(right.source, right.flags, textOf(v));
    if (typeof matched === 'boolean') return outcome(c, degrades, matched, observed);
    return matched.then((held) => outcome(c, degrades, held, observed));
  }
  return outcome(c, degrades, compare(v, c.op, right), observed);
}

function outcome(c: Condition, degrades: boolean, held: boolean, observed: string | null): ConditionOutcome {
  return { condition: c.source, degrades, held, observed };
}

/** `v OP right` for a value that is there; `right` is a literal or any() (never a regex here). */
function compare(v: unknown, op: Operator, right: Right): boolean {
  if (right.kind === 'any') {
    let found = false;
    for (let i = 0; i < right.items.length && !found; i++) found = matchesItem(v, right.items[i]!);
    return op === '==' ? found : !found;
  }
  if (right.kind === 'regex') return false;
  if (op === '==') return equals(v, right);
  if (op === '!=') return !equals(v, right);
  // Ordering: the parser allows it only with a number or a duration on the right.
  const n = toNumber(v);
  if (n === null || (right.kind !== 'number' && right.kind !== 'duration')) return false;
  switch (op) {
    case '<':
      return n < right.value;
    case '<=':
      return n <= right.value;
    case '>':
      return n > right.value;
    default:
      return n >= right.value;
  }
}

function matchesItem(v: unknown, item: Literal | Range): boolean {
  if (item.kind !== 'range') return equals(v, item);
  const n = toNumber(v);
  return n !== null && n >= item.low && n <= item.high;
}

/** Equality by JSON type; a number and a numeric string compare as numbers (as Gatus does). */
function equals(v: unknown, lit: Literal): boolean {
  switch (lit.kind) {
    case 'number':
    case 'duration':
      return toNumber(v) === lit.value;
    case 'string':
      return typeof v === 'string' ? v === lit.value : typeof v === 'number' && toNumber(lit.value) === v;
    case 'bool':
      return v === lit.value;
    case 'null':
      return v === null;
  }
}

/** A decimal number written in full, optionally with an exponent: no hex, no empty string, no Infinity. */
const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && NUMERIC.test(v) ? Number(v) : null;
}
