import {
  type Condition,
  conditionsUsedPlaceholders,
  parseCondition,
  regexCondition,
  statusCondition,
} from './conditions.js';
import { SERVICE_DEFAULTS, type ServiceConfig } from './types.js';

/**
 * Whether a service's own conditions judge [STATUS]: then expect_status (default 200-399) does not
 * apply, or `[STATUS] == 404` could never hold. The one copy of that rule (the prober's plan and
 * `config services show` both use it).
 */
export function judgesStatus(conditions: readonly Condition[]): boolean {
  return conditions.some((c) => conditionsUsedPlaceholders(c).has('STATUS'));
}

/**
 * Every condition a service is judged by, as text, the original's checks shown as the conditions
 * they mean: expect_status first (unless the conditions judge [STATUS]), then the regex, then
 * the service's own; the implied ones are marked with the field they come from.
 */
export function effectiveConditionTexts(s: ServiceConfig): string[] {
  const own = (s.conditions ?? []).map((text) => parseCondition(text));
  const out: string[] = [];
  if (!judgesStatus(own))
    out.push(`${statusCondition(s.expect_status ?? SERVICE_DEFAULTS.expect_status).source} (expect_status)`);
  if (s.check_regex && s.regex) out.push(`${regexCondition(s.regex).source} (regex)`);
  for (const c of own) out.push(c.source);
  return out;
}
