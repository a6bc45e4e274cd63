import { ConditionError, parseCondition } from './conditions.js';
import type { ServiceRule } from './request-options.js';
import type { ServiceConfig } from './types.js';

/**
 * The value rules of a service's `conditions` and `degraded_when`, one per condition, so that
 * every bad one is listed: each must parse (conditions.ts), whose message already quotes the
 * condition and names the problem and column.
 */
export function conditionRules(s: ServiceConfig): ServiceRule[] {
  return (['conditions', 'degraded_when'] as const).flatMap((field) => {
    const texts: unknown = s[field];
    if (!Array.isArray(texts)) return [];
    return texts.map((text): ServiceRule => [[field], () => conditionProblem(field, String(text))]);
  });
}

function conditionProblem(field: 'conditions' | 'degraded_when', text: string): string | null {
  try {
    parseCondition(text);
    return null;
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    const message = err.message.split('\n')[0] ?? '';
    return field === 'conditions' ? message : `degraded_when: ${message}`;
  }
}
