import { ConditionError } from '../errors.js';
import type { Condition, Literal, Placeholder, Range } from './condition-ast.js';
import { conditionMessage, parseConditionText } from './condition-parser.js';
import { conditionSource, escapeRegexSlashes } from './condition-source.js';
import { regexSyntaxProblem } from './condition-values.js';
import { expectStatusMessage, expectStatusRanges } from './expect-status.js';

/**
 * The condition language (docs/config.md, "Conditions"): what "up" means for a service, e.g.
 * `[STATUS] == any(200, 204)`, `[BODY].status == UP`, `[CERT_EXPIRY] > 7d`. Conditions are parsed
 * once, when the config is read; src/probe/conditions.ts evaluates the parsed form on each probe.
 */

export type {
  Condition,
  ConditionFunction,
  Left,
  Literal,
  Operator,
  PathStep,
  Placeholder,
  Range,
  Right,
  Subject,
  ValueType,
} from './condition-ast.js';
export { leftType, PLACEHOLDER_TYPES } from './condition-ast.js';
export { MAX_CONDITION_LENGTH } from './condition-parser.js';
export { ConditionError };

/** The condition `text` states; throws ConditionError (exit code 2) naming the problem and its column. */
export function parseCondition(text: string): Condition {
  const { left, op, right } = parseConditionText(text);
  return { source: conditionSource(left, op, right), left, op, right };
}

/**
 * The placeholder the condition reads (BODY for a JSON path, HEADER for a header), so that the
 * prober keeps only what some condition needs.
 */
export function conditionsUsedPlaceholders(c: Condition): ReadonlySet<Placeholder> {
  const s = c.left.subject;
  return new Set<Placeholder>([s.kind === 'placeholder' ? s.name : s.kind === 'json' ? 'BODY' : 'HEADER']);
}

/**
 * What an `expect_status` spec means as a condition: "200" is `[STATUS] == 200`, "200,204,300-399"
 * is `[STATUS] == any(200, 204, 300-399)`. The spec is read with the one expect_status grammar.
 */
export function statusCondition(expectStatusSpec: string): Condition {
  const ranges = expectStatusRanges(expectStatusSpec);
  if (ranges === null) throw new ConditionError(expectStatusMessage(expectStatusSpec));
  const items = ranges.map(([low, high]): Literal | Range =>
    low === high ? { kind: 'number', value: low } : { kind: 'range', low, high },
  );
  const single = items.length === 1 && items[0]!.kind === 'number' ? (items[0] as Literal) : null;
  const left = { fn: null, subject: { kind: 'placeholder', name: 'STATUS' } } as const;
  const right = single ?? { kind: 'any' as const, items };
  return { source: conditionSource(left, '==', right), left, op: '==', right };
}

/**
 * What the original's `check_regex` with `regex` means: `[BODY] ~= /regex/`, no flags. A `/` in
 * the pattern is escaped in the condition (`\/` matches the same), so the source reads back.
 */
export function regexCondition(regex: string): Condition {
  const source = escapeRegexSlashes(regex);
  const shown = `[BODY] ~= /${source}/`;
  if (regex === '') throw new ConditionError(conditionMessage(shown, 'empty regex'));
  const why = regexSyntaxProblem(source, '');
  if (why !== null) throw new ConditionError(conditionMessage(shown, `bad regex: ${why}`));
  const left = { fn: null, subject: { kind: 'placeholder', name: 'BODY' } } as const;
  const right = { kind: 'regex', source, flags: '' } as const;
  return { source: conditionSource(left, '~=', right), left, op: '~=', right };
}
