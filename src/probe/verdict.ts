import { stateFor } from '../results/state.js';
import type { ConditionOutcome, ErrorClass, ProbeState } from '../results/types.js';
import { evaluateCondition, type Observation, type RegexTest } from './conditions.js';
import type { Plan } from './plan.js';

/** What a response means: the conditions' outcomes and the verdict they make. */
export interface Verdict {
  conditions: ConditionOutcome[];
  errorClass: ErrorClass | null;
  errorMessage: string | null;
  state: ProbeState;
}

/** The checks made before the service's own conditions (status, redirect loop, regex). */
export interface BuiltIn {
  statusCode: number;
  /** null when the service has no regex, or it was not run (HEAD). */
  regexMatched: boolean | null;
  /** Set when redirects were followed to the end of the chain without an answer. */
  redirectFailure: string | null;
  /** The regex failure's message, when it failed. */
  regexFailure: string | null;
}

const show = (o: ConditionOutcome) => `${o.condition} (observed ${o.observed ?? 'nothing'})`;

/** The service's own conditions, evaluated in order; a promise only when a regex ran isolated. */
export function evaluateConditions(
  plan: Plan,
  observation: Observation,
  regexTest: RegexTest,
): ConditionOutcome[] | Promise<ConditionOutcome[]> {
  const out: (ConditionOutcome | Promise<ConditionOutcome>)[] = [];
  let async = false;
  for (const c of plan.conditions) {
    const o = evaluateCondition(c.condition, observation, c.degrades, regexTest);
    if (o instanceof Promise) async = true;
    out.push(o);
  }
  return async ? Promise.all(out) : (out as ConditionOutcome[]);
}

/**
 * The verdict on a response. The built-in checks come first and keep their error classes and
 * messages (http_status, redirect, regex_mismatch); then the first failing condition decides
 * (`cert_expiring` for a [CERT_EXPIRY] one, else `condition`); a degraded_when condition that
 * holds only makes the result degraded.
 */
export function judge(plan: Plan, builtIn: BuiltIn, own: ConditionOutcome[]): Verdict {
  const conditions: ConditionOutcome[] = [];
  const code = builtIn.statusCode;
  const statusHeld = plan.status === null || plan.status.has(code);
  if (plan.statusSource !== null)
    conditions.push({
      condition: plan.statusSource,
      degrades: false,
      held: statusHeld,
      observed: String(code),
    });
  if (plan.regexSource !== null)
    conditions.push({
      condition: plan.regexSource,
      degrades: false,
      held: builtIn.regexMatched === true,
      observed: builtIn.regexMatched === null ? null : builtIn.regexMatched ? 'match' : 'no match',
    });
  conditions.push(...own);

  let errorClass: ErrorClass | null = null;
  let errorMessage: string | null = null;
  if (builtIn.redirectFailure !== null) {
    errorClass = 'redirect';
    errorMessage = builtIn.redirectFailure;
  } else if (!statusHeld) {
    errorClass = 'http_status';
    errorMessage = `status ${code} is not in the expected set ${plan.status!.spec}`;
  } else if (builtIn.regexFailure !== null) {
    errorClass = 'regex_mismatch';
    errorMessage = builtIn.regexFailure;
  } else {
    const i = own.findIndex((o) => !o.held && !o.degrades);
    if (i >= 0) {
      errorClass = plan.conditions[i]!.failsAs;
      errorMessage = `condition failed: ${show(own[i]!)}`;
    }
  }
  // A degraded_when condition degrades when it holds; the result stays ok, and its error class
  // says what kind of condition it was (a [CERT_EXPIRY] one: cert_expiring).
  const d = errorClass === null ? own.findIndex((o) => o.held && o.degrades) : -1;
  if (d >= 0) {
    errorClass = plan.conditions[d]!.failsAs;
    errorMessage = `degraded: ${show(own[d]!)}`;
  }
  return { conditions, errorClass, errorMessage, state: stateFor(errorClass, d >= 0) };
}
