import { referenceEnv } from '../config/env-file.js';
import { missingEnvRefs } from '../config/request-options.js';
import { type ResolvedService, resolveService } from '../config/resolve.js';
import type { MonitorConfig } from '../config/types.js';
import { maskUri } from '../config/uri.js';
import type { Logger } from '../log/logger.js';

/** Where the probe worker looks up `${NAME}` references. */
export type ProbeEnvironment = Record<string, string | undefined>;

/**
 * The daemon's environment over the config's env_file (the process wins, as with dotenv), read
 * once at start: the probe worker gets it then, so a changed env_file takes effect at the next
 * start, and a reload checks references against the same variables the prober will use.
 * readConfig has already made env_file absolute and refused a bad one.
 */
export function probeEnvironment(config: MonitorConfig): ProbeEnvironment {
  return referenceEnv(config.env_file as string | undefined, process.cwd());
}

/**
 * The config's services that can be probed: one that refers to a variable `env` lacks is
 * reported (naming the variable, never a value) and skipped, and the others run.
 */
export function probeableServices(
  config: MonitorConfig,
  env: ProbeEnvironment,
  log: Logger,
): ResolvedService[] {
  const out: ResolvedService[] = [];
  for (const s of config.services) {
    const missing = missingEnvRefs(s, env);
    if (missing.length > 0) {
      const url = maskUri(s.url);
      const names = missing.map((n) => `\${${n}}`).join(', ');
      log.error(
        { module: 'config', service: url, missing, code: 'E_ENV_MISSING' },
        `Service ${url} skipped: ${names} not set in the environment or the env_file.`,
      );
      continue;
    }
    out.push(resolveService(s));
  }
  return out;
}
