import type { Left, Literal, Range, ValueType } from './condition-ast.js';
import { subjectSource } from './condition-source.js';

/**
 * The values on the right of a condition, read from a bare word (quoted strings are the parser's)
 * by the type of the left side: `800` next to a time is 800 ms, `UP` next to a JSON value is the
 * string "UP", `5s` next to [STATUS] is a mistake.
 */

/** At most 12 digits and 6 decimals, so that String(value) writes the number back as a plain decimal. */
const NUMBER = /^-?\d{1,12}(?:\.\d{1,6})?$/;
const NUMBER_LIKE = /^-?\d+(?:\.\d+)?$/;
const RANGE = /^(-?\d{1,12}(?:\.\d{1,6})?)-(-?\d{1,12}(?:\.\d{1,6})?)$/;
/** A word that starts like a number and has a letter in it: meant as a duration. */
const DURATION_LIKE = /^-?\d[\d.]*[A-Za-z]/;
const DURATION_PART = /(\d{1,9}(?:\.\d{1,6})?)(ms|s|m|h|d)/y;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION_HELP = 'a number and a unit: ms, s, m, h, d, as in 800ms, 1.5s or 1h30m';

/** The milliseconds of `800ms`, `-1d`, `1h30m`, or null when `word` is not a duration. */
export function parseDuration(word: string): number | null {
  let i = word.startsWith('-') ? 1 : 0;
  if (i === word.length) return null;
  let ms = 0;
  while (i < word.length) {
    DURATION_PART.lastIndex = i;
    const m = DURATION_PART.exec(word);
    if (m === null) return null;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = DURATION_PART.lastIndex;
  }
  return word.startsWith('-') ? -ms : ms;
}

function describe(left: Left): string {
  const s = subjectSource(left.subject);
  return left.fn === null ? s : `${left.fn}(${s})`;
}

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  duration: 'a time',
  number: 'a number',
  text: 'text',
  json: 'a JSON value',
  bool: 'true or false',
};

/** `[STATUS], which is a number`: the left side and its type, for messages. */
export function leftDescription(left: Left, type: ValueType): string {
  return `${describe(left)}, which is ${TYPE_NAMES[type]}`;
}

/**
 * The literal (or, inside any(), the range) a bare word means next to `left`; `fail` throws the
 * condition's error for a word that means nothing there.
 */
export function classifyWord(
  word: string,
  left: Left,
  type: ValueType,
  inAny: boolean,
  fail: (problem: string) => never,
): Literal | Range {
  if (word === 'true' || word === 'false') {
    if (type === 'bool' || type === 'json') return { kind: 'bool', value: word === 'true' };
    if (type === 'text') return { kind: 'string', value: word };
    return fail(`"${word}" compared with ${leftDescription(left, type)}`);
  }
  if (type === 'bool') return fail(`${describe(left)} compares only with true or false, got "${word}"`);
  if (word === 'null') {
    if (inAny) return fail('null cannot be inside any(); use == null');
    return { kind: 'null' };
  }
  if (NUMBER.test(word)) return { kind: 'number', value: Number(word) };
  if (NUMBER_LIKE.test(word)) return fail(`number "${word}" is too long (at most 12 digits and 6 decimals)`);
  const range = inAny ? RANGE.exec(word) : null;
  if (range !== null) {
    if (type === 'text') return fail(`a range (${word}) needs a number on the left, not text`);
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (low > high) return fail(`range "${word}" is empty: ${low} is above ${high}`);
    return { kind: 'range', low, high };
  }
  if (DURATION_LIKE.test(word) && type !== 'text') {
    const ms = parseDuration(word);
    if (ms === null) return fail(`bad duration "${word}" (${DURATION_HELP})`);
    if (type !== 'duration')
      return fail(`a duration (${word}) compared with ${leftDescription(left, type)}, not a time`);
    return { kind: 'duration', value: ms, text: word };
  }
  if (type === 'text' || type === 'json') return { kind: 'string', value: word };
  if (type === 'duration') return fail(`bad duration "${word}" (${DURATION_HELP})`);
  return fail(`expected a number, got "${word}"`);
}

/** A quoted string is only for text and JSON values. */
export function checkString(left: Left, type: ValueType, fail: (problem: string) => never): void {
  if (type === 'bool') fail(`${describe(left)} compares only with true or false, got a string`);
  if (type === 'duration' || type === 'number')
    fail(`a string compared with ${leftDescription(left, type)}; write the value without quotes`);
}

/** The first flag outside i, m, s, u or given twice, with its index in `flags`; null when they are fine. */
export function regexFlagFault(flags: string): { problem: string; index: number } | null {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (!'imsu'.includes(f)) return { problem: `unknown regex flag "${f}" (allowed: i, m, s, u)`, index: i };
    if (flags.indexOf(f) !== i) return { problem: `regex flag "${f}" given twice`, index: i };
  }
  return null;
}

/** Why JavaScript's RegExp refuses the pattern (e.g. "Unterminated group"), or null when it compiles. */
export function regexSyntaxProblem(source: string, flags: string): string | null {
  try {
    new RegExp(source, flags);
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

/**
 * The string quoted at `open` (`"…"`, with `\"` and `\\` as the only escapes; any other
 * backslash stays as it is) and the index after its closing quote, or null when it is not closed.
 */
export function readQuoted(text: string, open: number): { value: string; end: number } | null {
  let value = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && (next === '"' || next === '\\')) {
      value += next;
      i++;
    } else value += c;
  }
  return null;
}
