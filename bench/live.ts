/**
 * Issue 16: the HTTP server costs the hot path little at scale. The 10k load
 * (bench/monitor-run.ts) runs twice, back to back: with --no-http, then with the server on a free
 * 127.0.0.1 port while the bench's process scrapes /metrics every 5 s and, half a period later,
 * loads the page (GET /, then GET /api/status), timing each request (bench/live-scraper.ts).
 */
import { compareLiveRuns, requestFigures } from './live-figures.js';
import { scrape } from './live-scraper.js';
import { type MonitorRun, runMonitor } from './monitor-run.js';
import type { BenchResult } from './result.js';

export interface LiveBenchOptions {
  services: number;
  seconds: number;
  warmupSeconds: number;
  origins?: number;
}

/** Scrape period, ms: a Prometheus scrape_interval of 5 s, and the page polled as often. */
const PERIOD_MS = 5000;

const withoutLoad = (inputs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith('loadAvg')));

export async function liveBench(o: LiveBenchOptions): Promise<BenchResult> {
  const base = { ...o, postgres: true };
  const noHttp = await runMonitor({ ...base, label: '[10k-live no-http]' });
  const label = '[10k-live http]';
  const http = await runMonitor({
    ...base,
    label,
    http: true,
    scenario: {
      async during(rig) {
        if (rig.httpBase === null) throw new Error('10k-live needs the HTTP server on');
        const samples = await scrape({ base: rig.httpBase, t0: rig.t0, t1: rig.t1, periodMs: PERIOD_MS });
        const figures = requestFigures(samples);
        process.stderr.write(
          `${label} scrape p99 ${figures['scrapeP99Ms']} ms (${figures['scrapeBytesP50']} B), page p99 ${figures['pageP99Ms']} ms, api/status p99 ${figures['apiStatusP99Ms']} ms (${figures['apiStatusBytesP50']} B)\n`,
        );
        return figures;
      },
    },
  });
  const { figures, goals } = compareLiveRuns(noHttp.figures, http.figures);
  const load = (r: MonitorRun) => `${r.inputs['loadAvgBefore']}→${r.inputs['loadAvgAfter']}`;
  return {
    name: '10k-live',
    title: `${o.services.toLocaleString('en-US')} services at 5 s, --no-http vs the HTTP server scraped and its page polled every 5 s (issue 16), monitor start exporting to a local PostgreSQL`,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: {
      ...withoutLoad(http.inputs),
      runs: '--no-http, then --http 127.0.0.1:PORT (a free port), back to back; each its own target, PostgreSQL and daemon',
      scraper: `in the bench process over fetch (keep-alive): GET /metrics every ${PERIOD_MS / 1000} s from the window's start; GET / then GET /api/status every ${PERIOD_MS / 1000} s, ${PERIOD_MS / 2000} s after each scrape; no token`,
      loadAvg: `noHttp ${load(noHttp)}, http ${load(http)}`,
    },
    figures,
    goals,
    notes: [
      ...noHttp.notes.map((n) => `noHttp: ${n}`),
      ...http.notes.map((n) => `http: ${n}`),
      'startLag: started_at − scheduled_at of the rows in PostgreSQL; ratios: http / noHttp; onTimeDiffPp: http − noHttp, percentage points',
      'scrape* (/metrics), page* (/), apiStatus* (/api/status): client-side time from sending the request to the body’s last byte, of the requests answered 200 in the window; *Errors: other statuses or no answer within 10 s; *Bytes: body size',
    ],
  };
}
