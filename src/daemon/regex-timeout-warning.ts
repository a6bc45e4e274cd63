import type { Logger } from '../log/logger.js';
import type { Prober } from '../probe/types.js';

/**
 * The prober, plus one warning the first time a service's regex is stopped for running past its
 * time (error class `regex_timeout`): the results already say it on every probe, the log says it
 * once per service so that a catastrophic pattern is noticed without flooding the log.
 */
export function warnOnRegexTimeout(prober: Prober, log: Logger): Prober {
  const warned = new Set<string>();
  return {
    close: () => prober.close(),
    probe: (service, options) =>
      prober.probe(service, options).then((r) => {
        if (r.errorClass === 'regex_timeout' && !warned.has(r.serviceKey)) {
          warned.add(r.serviceKey);
          log.warn(
            {
              module: 'monitoring',
              service: r.serviceKey,
              url: r.url,
              regex: r.regex,
              detail: r.errorMessage,
            },
            `The regex of ${r.method} ${r.url} ran past its time and was stopped; its results are recorded as regex_timeout (logged once per service).`,
          );
        }
        return r;
      }),
  };
}
