import { ConditionError } from '../errors.js';
import {
  type Left,
  type Literal,
  leftType,
  type Operator,
  type PathStep,
  PLACEHOLDER_TYPES,
  type Placeholder,
  type Range,
  type Right,
  type Subject,
  type ValueType,
} from './condition-ast.js';
import {
  checkString,
  classifyWord,
  leftDescription,
  readQuoted,
  regexFlagFault,
  regexSyntaxProblem,
} from './condition-values.js';

/**
 * The condition grammar (docs/config.md, "Conditions"), read by hand in one pass so that every
 * error can name its column:
 *
 *   condition := left OP right | has(subject)
 *   left      := subject | len(subject) | has(subject)
 *   subject   := [NAME] | [BODY] path | [HEADER].name
 *   right     := value | any(item, …) | /regex/flags
 */

export interface ParsedCondition {
  readonly left: Left;
  readonly op: Operator;
  readonly right: Right;
}

/** Longer conditions are refused: nothing sane needs more. */
export const MAX_CONDITION_LENGTH = 1000;

const NAME = /[A-Za-z_]+/y;
const FUNCTION_CALL = /([A-Za-z_]+)\s*\(/y;
const OPERATOR_RUN = /[=!<>~]+/y;
const KEY = /[^\s.[\]()=!<>~,"]+/y;
const INDEX = /\d{1,9}/y;
const HEADER_NAME = /[A-Za-z0-9!#$%&'*+\-.^_`|]+/y;
const WORD = /[^\s,()"]+/y;
/** `300 - 399` inside any(), spaces around the dash allowed as in expect_status. */
const SPACED_RANGE = /-?\d+(?:\.\d+)?\s*-\s*-?\d+(?:\.\d+)?(?=\s*[,)])/y;
const SPACE = /\s*/y;
const OPERATORS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=', '~=']);
const ORDERING: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);
const KNOWN = Object.keys(PLACEHOLDER_TYPES)
  .map((p) => `[${p}]`)
  .join(' ');
const TRUE: Literal = { kind: 'bool', value: true };

/** `condition "TEXT": PROBLEM`, the text quoted (and cut) so that the message stays one line. */
export function conditionMessage(text: string, problem: string): string {
  const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return `condition ${JSON.stringify(shown)}: ${problem}`;
}

/** Reads `text` as a condition; throws ConditionError naming the problem and its column. */
export function parseConditionText(text: string): ParsedCondition {
  if (text.trim() === '') throw new ConditionError(conditionMessage(text, 'empty condition'));
  if (text.length > MAX_CONDITION_LENGTH)
    throw new ConditionError(
      conditionMessage(text, `longer than ${MAX_CONDITION_LENGTH} characters (${text.length})`),
    );
  return new Parser(text).condition();
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  condition(): ParsedCondition {
    this.skipSpace();
    const left = this.left();
    const leftEnd = this.pos;
    this.skipSpace();
    if (this.atEnd()) {
      if (left.fn === 'has') return { left, op: '==', right: TRUE };
      this.fail(
        `missing an operator (== != < <= > >= ~=) after "${this.text.slice(0, leftEnd).trim()}"`,
        leftEnd,
      );
    }
    const opAt = this.pos;
    const op = this.operator();
    this.skipSpace();
    if (this.atEnd()) this.fail(`missing the value after "${op}"`, this.pos);
    const right = this.right(left, op, opAt);
    this.skipSpace();
    if (!this.atEnd()) this.fail(`unexpected "${this.peekWord()}" after the condition`, this.pos);
    return { left, op, right };
  }

  private left(): Left {
    if (this.peek() === '[') return { fn: null, subject: this.subject() };
    const at = this.pos;
    const call = this.match(FUNCTION_CALL);
    if (call === null)
      this.fail(`expected a placeholder such as [STATUS], or len(…) or has(…), got "${this.peekWord()}"`, at);
    const name = call.slice(0, call.search(/\s|\(/));
    const fn = name.toLowerCase();
    if (fn !== 'len' && fn !== 'has')
      this.fail(`unknown function "${name}" (len and has go on the left, any on the right)`, at);
    this.skipSpace();
    if (this.peek() !== '[') this.fail(`${fn}() takes a placeholder such as [BODY].items`, this.pos);
    const subject = this.subject();
    this.skipSpace();
    if (this.peek() !== ')') this.fail(`unclosed "(" of ${fn}()`, at + name.length);
    this.pos++;
    const left: Left = { fn, subject };
    const type = leftType({ fn: null, subject });
    if (fn === 'len' && type !== 'text' && type !== 'json')
      this.fail(`len() needs text or a JSON value, not ${leftDescription({ fn: null, subject }, type)}`, at);
    return left;
  }

  private subject(): Subject {
    const open = this.pos++;
    const raw = this.match(NAME) ?? '';
    if (this.peek() !== ']') {
      const close = this.text.indexOf(']', this.pos);
      if (close < 0) this.fail('unclosed "["', open);
      this.fail(`unknown placeholder "${this.text.slice(open, close + 1)}" (known: ${KNOWN})`, open);
    }
    this.pos++;
    const name = raw.toUpperCase();
    if (!Object.hasOwn(PLACEHOLDER_TYPES, name))
      this.fail(`unknown placeholder "[${raw}]" (known: ${KNOWN})`, open);
    const next = this.peek();
    if (name === 'HEADER') {
      if (next !== '.') this.fail('[HEADER] needs a header name, as in [HEADER].content-type', this.pos);
      this.pos++;
      const header = this.match(HEADER_NAME);
      if (header === null) this.fail('missing the header name after "[HEADER]."', this.pos);
      return { kind: 'header', name: header.toLowerCase() };
    }
    if (next === '.' || next === '[') {
      if (name !== 'BODY') this.fail(`[${name}] takes no path (only [BODY] and [HEADER] do)`, this.pos);
      return { kind: 'json', path: this.jsonPath() };
    }
    return { kind: 'placeholder', name: name as Exclude<Placeholder, 'HEADER'> };
  }

  private jsonPath(): PathStep[] {
    const steps: PathStep[] = [];
    for (let c = this.peek(); c === '.' || c === '['; c = this.peek()) {
      const open = this.pos++;
      if (c === '.') {
        const key = this.match(KEY);
        if (key === null) this.fail('empty key in the JSON path', this.pos);
        steps.push(key);
        continue;
      }
      const index = this.match(INDEX);
      if (index !== null && this.peek() === ']') {
        this.pos++;
        steps.push(Number(index));
        continue;
      }
      if (this.text.indexOf(']', open) < 0) this.fail('unclosed "[" in the JSON path', open);
      this.fail('a JSON path index must be a whole number, as in [BODY].items[0]', open + 1);
    }
    return steps;
  }

  private operator(): Operator {
    const at = this.pos;
    const run = this.match(OPERATOR_RUN);
    if (run === null) this.fail(`expected an operator (== != < <= > >= ~=), got "${this.peekWord()}"`, at);
    if (!OPERATORS.has(run)) this.fail(`unknown operator "${run}"`, at);
    return run as Operator;
  }

  private right(left: Left, op: Operator, opAt: number): Right {
    const type = leftType(left);
    const at = this.pos;
    if (this.peek() === '/') {
      const regex = this.regex();
      if (op !== '~=') this.fail(`a /regex/ needs the operator "~=", not "${op}"`, opAt);
      if (type === 'duration' || type === 'bool')
        this.fail(`"~=" cannot match ${leftDescription(left, type)}`, opAt);
      return regex;
    }
    if (op === '~=') this.fail('"~=" needs a /regex/ on the right, as in [BODY] ~= /ok/i', at);
    if (ORDERING.has(op) && type === 'text')
      this.fail(`"${op}" cannot order ${leftDescription(left, type)}; use ==, != or ~=`, opAt);
    if (ORDERING.has(op) && type === 'bool')
      this.fail(`"${op}" cannot order ${leftDescription(left, type)}; use == or !=`, opAt);
    const call = this.match(FUNCTION_CALL);
    if (call !== null) {
      const name = call.slice(0, call.search(/\s|\(/));
      if (name.toLowerCase() !== 'any') this.fail(`unknown function "${name}" (any goes on the right)`, at);
      if (op !== '==' && op !== '!=') this.fail(`any() needs == or !=, not "${op}"`, opAt);
      return { kind: 'any', items: this.anyItems(left, type, at) };
    }
    const value = this.value(left, type, false);
    if (ORDERING.has(op) && value.kind === 'string')
      this.fail(`"${op}" cannot order strings; it needs a number or a duration on the right`, at);
    if (ORDERING.has(op) && value.kind !== 'number' && value.kind !== 'duration')
      this.fail(`"${op}" needs a number or a duration on the right`, at);
    return value as Literal;
  }

  private anyItems(left: Left, type: ValueType, open: number): (Literal | Range)[] {
    const items: (Literal | Range)[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) this.fail('unclosed "(" of any()', open);
      if (this.peek() === ')' && items.length === 0) this.fail('any() needs at least one value', this.pos);
      items.push(this.value(left, type, true));
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c === ')') return items;
      if (c !== ',') {
        if (c === undefined) this.fail('unclosed "(" of any()', open);
        this.fail(`expected "," or ")" in any(), got "${c}"`, this.pos - 1);
      }
    }
  }

  private value(left: Left, type: ValueType, inAny: boolean): Literal | Range {
    const at = this.pos;
    const fail = (problem: string): never => this.fail(problem, at);
    const c = this.peek();
    if (c === '"') {
      checkString(left, type, fail);
      const quoted = readQuoted(this.text, at);
      if (quoted === null) this.fail('unclosed quote', at);
      this.pos = quoted.end;
      return { kind: 'string', value: quoted.value };
    }
    if (c === '[')
      this.fail('the right side must be a value; comparing two placeholders is not supported', at);
    const spaced = inAny ? this.match(SPACED_RANGE) : null;
    const word = spaced === null ? this.match(WORD) : spaced.replace(/\s+/g, '');
    if (word === null) return this.fail(`missing a value before "${c}"`, at);
    return classifyWord(word, left, type, inAny, fail);
  }

  private regex(): Right {
    const open = this.pos++;
    let inClass = false;
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (c === '\\') this.pos++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
    }
    if (this.pos >= this.text.length) this.fail('unclosed regex (no closing "/")', open);
    const source = this.text.slice(open + 1, this.pos++);
    if (source === '') this.fail('empty regex', open);
    const flagsAt = this.pos;
    const flags = this.match(NAME) ?? '';
    const fault = regexFlagFault(flags);
    if (fault !== null) this.fail(fault.problem, flagsAt + fault.index);
    const why = regexSyntaxProblem(source, flags);
    if (why !== null) this.fail(`bad regex /${source}/${flags}: ${why}`, open);
    return { kind: 'regex', source, flags };
  }

  private fail(problem: string, at: number): never {
    throw new ConditionError(conditionMessage(this.text, `${problem} at column ${at + 1}`));
  }

  private match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null || m[0] === '') return null;
    this.pos += m[0].length;
    return m[0];
  }

  private skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    this.pos = SPACE.lastIndex;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private peekWord(): string {
    const rest = this.text.slice(this.pos).split(/\s/, 1)[0] ?? '';
    return rest.length > 30 ? `${rest.slice(0, 30)}…` : rest;
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }
}
