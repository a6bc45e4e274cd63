/**
 * STAND-IN for the condition parser of branch `conditions` (issue 14): the same file and exports,
 * with a minimal grammar, so that the config fields and flags can be written against the interface
 * before it lands. It is replaced wholesale by that branch's file when it is merged.
 *
 * Grammar here: `[PLACEHOLDER]path OPERATOR VALUE`, e.g. `[STATUS] == 200`,
 * `[RESPONSE_TIME] < 500ms`, `[BODY].status == UP`.
 */

export interface Condition {
  /** The condition as written. */
  readonly text: string;
  readonly placeholder: string;
  readonly path: string;
  readonly operator: string;
  readonly value: string;
}

/** A condition outside the grammar: one line naming the problem. */
export class ConditionError extends Error {
  readonly code = 'E_CONDITION';
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

const PLACEHOLDERS = ['STATUS', 'RESPONSE_TIME', 'BODY', 'HEADER', 'CERTIFICATE_EXPIRATION'];
const DURATION_PLACEHOLDERS = new Set(['RESPONSE_TIME', 'CERTIFICATE_EXPIRATION']);
const SHAPE = /^\s*\[([A-Za-z_]+)\](\S*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/;
const DURATION = /^\d+(?:\.\d+)?(?:ms|s|m|h|d)?$/;

export function parseCondition(text: string): Condition {
  const m = SHAPE.exec(text);
  if (!m) throw new ConditionError(`expected [PLACEHOLDER] OPERATOR VALUE, got '${text.slice(0, 60)}'`);
  const [, placeholder = '', path = '', operator = '', value = ''] = m;
  if (!PLACEHOLDERS.includes(placeholder)) {
    throw new ConditionError(
      `unknown placeholder [${placeholder}]; known: ${PLACEHOLDERS.map((p) => `[${p}]`).join(', ')}`,
    );
  }
  if (DURATION_PLACEHOLDERS.has(placeholder) && !DURATION.test(value)) {
    throw new ConditionError(`bad duration '${value.slice(0, 30)}' (e.g. 500ms, 2s, 48h)`);
  }
  return { text, placeholder, path, operator, value };
}

/** The `expect_status` rule as a condition. */
export function statusCondition(spec: string): Condition {
  return { text: `[STATUS] in ${spec}`, placeholder: 'STATUS', path: '', operator: 'in', value: spec };
}

/** The `regex` rule as a condition. */
export function regexCondition(re: string): Condition {
  return { text: `[BODY] =~ ${re}`, placeholder: 'BODY', path: '', operator: '=~', value: re };
}
