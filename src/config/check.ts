import { parseConfigReport } from './parse.js';
import type { MonitorConfig } from './types.js';
import { configProblems } from './validate.js';

/** A whole config document checked: the typed config when it has no problem, and every problem. */
export interface ConfigCheck {
  config: MonitorConfig | null;
  /** One line each, no line numbers: shapes first (parse.ts), then value rules (validate.ts). */
  problems: string[];
}

/**
 * Every problem of a parsed document (JSON or YAML), not just the first: the shape rules, then
 * the value rules of every part whose shape is right. The same rules, in the same order, as the
 * loader's (readConfig), so the first line here is the one `monitor start` would refuse with.
 */
export function checkConfigDocument(raw: unknown): ConfigCheck {
  const parsed = parseConfigReport(raw);
  const problems = [
    ...parsed.problems,
    ...(parsed.checkable ? configProblems(parsed.checkable, parsed.wrongShapes) : []),
  ];
  return { config: problems.length === 0 ? parsed.config : null, problems };
}
