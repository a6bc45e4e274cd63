import { parseConfigReport } from './parse.js';
import type { MonitorConfig } from './types.js';
import { configCheckContext, configProblems } from './validate.js';

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
 * `baseDir` is the directory of the config file the document is (or becomes): its relative paths
 * (env_file, body_file, certificates) are found from there.
 */
export function checkConfigDocument(raw: unknown, baseDir: string): ConfigCheck {
  const parsed = parseConfigReport(raw);
  const { checkable } = parsed;
  const problems = [
    ...parsed.problems,
    ...(checkable
      ? configProblems(checkable, configCheckContext(checkable, baseDir), parsed.wrongShapes)
      : []),
  ];
  return { config: problems.length === 0 ? parsed.config : null, problems };
}
