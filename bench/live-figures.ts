/**
 * The figures of `10k-live` (issue 16): the scraper's samples turned into response times and body
 * sizes per route, and the two runs (no HTTP server, then the server scraped and its page polled)
 * side by side with the ratios on/off and the goals.
 */
import { RUN_FIGURES, ratio } from './conditions.js';
import { quantile } from './gaps.js';
import type { Route, Sample } from './live-scraper.js';
import type { Goal, Scalar } from './result.js';

export const LIVE_GOALS = {
  /** Daemon CPU with the server scraped / without it, at most. */
  cpuRatio: 1.2,
  /** On time with the server may be below the run without by at most this many percentage points. */
  onTimeDropPp: 0.1,
  /** Prometheus refuses a scrape_timeout above the scrape_interval (5 s here): a scrape must fit. */
  scrapeP99Ms: 5000,
} as const;

/** What each route's figures are called: scrapeP99Ms, pageP99Ms, apiStatusP99Ms, … */
export const ROUTE_PREFIX: Record<Route, string> = { metrics: 'scrape', page: 'page', api: 'apiStatus' };

/** The figures of each run shown side by side (`noHttp.X`, `http.X`). */
const PER_RUN = [...RUN_FIGURES, 'readySeconds', 'daemonExitCode'] as const;

const num = (v: Scalar | undefined): number | null => (typeof v === 'number' ? v : null);
const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/**
 * Per route: requests, errors (anything but a 200, or no answer), time p50/p99/max of the answered
 * ones (ms, client side, to the body's last byte), body size p50 and max (bytes).
 */
export function requestFigures(samples: readonly Sample[]): Record<string, Scalar> {
  const figures: Record<string, Scalar> = {};
  for (const route of Object.keys(ROUTE_PREFIX) as Route[]) {
    const p = ROUTE_PREFIX[route];
    const all = samples.filter((s) => s.route === route);
    const ok = all.filter((s) => s.status === 200);
    const ms = Float64Array.from(ok, (s) => s.ms).sort();
    const bytes = Float64Array.from(ok, (s) => s.bytes).sort();
    Object.assign(figures, {
      [`${p}Requests`]: all.length,
      [`${p}Errors`]: all.length - ok.length,
      [`${p}P50Ms`]: round1(quantile(ms, 0.5)),
      [`${p}P99Ms`]: round1(quantile(ms, 0.99)),
      [`${p}MaxMs`]: round1(quantile(ms, 1)),
      [`${p}BytesP50`]: quantile(bytes, 0.5),
      [`${p}BytesMax`]: quantile(bytes, 1),
    });
  }
  return figures;
}

/** Both runs side by side, the ratios http/noHttp, the request figures of the second, the goals. */
export function compareLiveRuns(
  noHttp: Record<string, Scalar>,
  http: Record<string, Scalar>,
): { figures: Record<string, Scalar>; goals: Goal[] } {
  const figures: Record<string, Scalar> = {};
  for (const k of PER_RUN) figures[`noHttp.${k}`] = noHttp[k] ?? null;
  for (const k of PER_RUN) figures[`http.${k}`] = http[k] ?? null;
  const [onA, onB] = [num(noHttp['onTimePct']), num(http['onTimePct'])];
  Object.assign(figures, {
    cpuRatio: ratio(http['daemonCpuPct'], noHttp['daemonCpuPct']),
    startLagP50Ratio: ratio(http['startLagP50Ms'], noHttp['startLagP50Ms']),
    startLagP99Ratio: ratio(http['startLagP99Ms'], noHttp['startLagP99Ms']),
    rssMaxRatio: ratio(http['daemonRssMaxMB'], noHttp['daemonRssMaxMB']),
    onTimeDiffPp: onA === null || onB === null ? null : Math.round((onB - onA) * 1000) / 1000,
  });
  for (const p of Object.values(ROUTE_PREFIX)) {
    for (const [k, v] of Object.entries(http)) if (k.startsWith(p)) figures[k] = v;
  }
  const cpu = num(figures['cpuRatio']);
  const diff = num(figures['onTimeDiffPp']);
  const scrapeP99 = num(http['scrapeP99Ms']);
  const requests = Object.values(ROUTE_PREFIX).map((p) => num(http[`${p}Requests`]));
  const errors = Object.values(ROUTE_PREFIX).map((p) => num(http[`${p}Errors`]));
  const goals: Goal[] = [
    {
      figure: 'cpuRatio',
      goal: `≤ ${LIVE_GOALS.cpuRatio} (CPU with the server scraped / without it)`,
      pass: cpu === null ? null : cpu <= LIVE_GOALS.cpuRatio,
    },
    {
      figure: 'onTimeDiffPp',
      goal: `≥ −${LIVE_GOALS.onTimeDropPp} pp (on time the same)`,
      pass: diff === null ? null : diff >= -LIVE_GOALS.onTimeDropPp,
    },
    {
      figure: 'scrapeP99Ms',
      goal: `< ${LIVE_GOALS.scrapeP99Ms} ms (within the 5 s scrape interval)`,
      pass: scrapeP99 === null ? null : scrapeP99 < LIVE_GOALS.scrapeP99Ms,
    },
    // No request at all is not a pass: the server was not shown to answer.
    {
      figure: 'scrapeErrors',
      goal: '0 on every route (each request answered 200)',
      pass:
        requests.includes(null) || errors.includes(null)
          ? null
          : requests.every((n) => n! > 0) && errors.every((n) => n === 0),
    },
  ];
  return { figures, goals };
}
