import type { HttpMethod } from '../config/types.js';
import type { IncidentKind } from '../results/incident.js';
import type { ProbeState } from '../results/types.js';

/**
 * The live view's data, typed once: the rollups produce it, the HTTP API serves it as JSON, the
 * status page and `monitor status` show it. Times are epoch ms; ratios are 0..1.
 */
export interface ServiceStatus {
  key: string;
  /** As shown (password masked). */
  url: string;
  method: HttpMethod;
  /** scheme://host:port: the page groups by it. */
  origin: string;
  /** The last result's state; null before the first result. */
  state: ProbeState | null;
  /** When the service entered that state. */
  since: number | null;
  lastAt: number | null;
  lastDurationMs: number | null;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  /** Latency over the last hour. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** (up + degraded) / (results − missed) over the period; null without results. */
  uptime24h: number | null;
  uptime7d: number | null;
  uptime30d: number | null;
  openIncident: { id: string; kind: IncidentKind; openedAt: number; cause: string } | null;
}

export interface HistoryBucket {
  /** Bucket start. */
  at: number;
  n: number;
  up: number;
  degraded: number;
  down: number;
  missed: number;
  latencyAvgMs: number | null;
  latencyP95Ms: number | null;
}

/** What the server, the page and `monitor status` read. */
export interface StatusSource {
  /** Every configured service, in config order. */
  status(): ServiceStatus[];
  /** Buckets of `stepMs` over [from, to); null for an unknown service. */
  history(key: string, from: number, to: number, stepMs: number): HistoryBucket[] | null;
}
