/**
 * The pure figures of `10k-alerts` (bench/alerts.ts): what the receiver got during the window,
 * the burst of a whole origin going down, and the two runs side by side with the goals of issue 15.
 */
import { RUN_FIGURES, ratio } from './conditions.js';
import { quantile } from './gaps.js';
import type { Received } from './receiver.js';
import type { Goal, Scalar } from './result.js';

export const ALERTS_GOALS = {
  /** Daemon CPU with alerts / without, at most. */
  cpuRatio: 1.1,
  /** On time with alerts may be below plain's by at most this many percentage points. */
  onTimeDropPp: 0.1,
} as const;

/** The figures of each run shown side by side (`plain.X`, `alerts.X`). */
const PER_RUN = [
  ...RUN_FIGURES,
  'incidentsOpened',
  'incidentsResolved',
  'deliveriesAccepted',
  'deliveriesNotAccepted',
  'notificationsReceived',
  'duplicateNotifications',
  'readySeconds',
  'daemonExitCode',
] as const;

const num = (v: Scalar | undefined): number | null => (typeof v === 'number' ? v : null);
const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/** Receipts beyond the first of each event id. */
function duplicates(list: readonly Received[]): number {
  return list.length - new Set(list.map((r) => r.eventId)).size;
}

/** What the receiver accepted in [t0, t1): in all, by kind, and repeated event ids. */
export function windowNotifyFigures(
  received: readonly Received[],
  t0: number,
  t1: number,
): Record<string, Scalar> {
  const inWindow = received.filter((r) => r.at >= t0 && r.at < t1);
  const kind = (k: string) => inWindow.filter((r) => r.kind === k).length;
  return {
    notificationsReceived: inWindow.length,
    notificationsDown: kind('down'),
    notificationsResolved: kind('resolved'),
    duplicateNotifications: duplicates(inWindow),
  };
}

export interface BurstInput {
  /** When the origin went down (epoch ms). */
  downAt: number;
  /** The URLs of the services that went down with it (a `down` event is expected for each). */
  urls: ReadonlySet<string>;
  /** The last of their incidents to open (epoch ms, from the daemon's database); null when unknown. */
  lastOpenedAt: number | null;
}

/**
 * The burst: the first receipt of each `down` event of the origin's services, its delay from the
 * origin going down and from its own incident's opening (the event's opened_at), the time until
 * every service's event was in (null unless all were), and repeated event ids (expected 0).
 */
export function burstFigures(received: readonly Received[], b: BurstInput): Record<string, Scalar> {
  const downs = received.filter((r) => r.kind === 'down' && r.at >= b.downAt && b.urls.has(r.serviceUrl));
  const first = new Map<string, Received>();
  for (const r of downs) if (!first.has(r.eventId)) first.set(r.eventId, r);
  const events = [...first.values()];
  const reached = new Set(events.map((r) => r.serviceUrl)).size;
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const fromDown = sorted(events.map((r) => r.at - b.downAt));
  const fromOpen = sorted(events.filter((r) => r.openedAt !== null).map((r) => r.at - r.openedAt!));
  const complete = b.urls.size > 0 && reached === b.urls.size;
  const last = events.length > 0 ? Math.max(...events.map((r) => r.at)) : null;
  const q = (xs: Float64Array, p: number) => round1(quantile(xs, p));
  return {
    burstServices: b.urls.size,
    burstServicesNotified: reached,
    burstDownEvents: events.length,
    burstDuplicates: downs.length - events.length,
    burstComplete: complete,
    burstAllAcceptedS: complete && last !== null ? Math.round((last - b.downAt) / 100) / 10 : null,
    burstFromLastOpenedMs:
      complete && last !== null && b.lastOpenedAt !== null ? Math.round(last - b.lastOpenedAt) : null,
    burstDelayP50Ms: q(fromDown, 0.5),
    burstDelayP99Ms: q(fromDown, 0.99),
    burstDelayFromOpenP50Ms: q(fromOpen, 0.5),
    burstDelayFromOpenP99Ms: q(fromOpen, 0.99),
    burstDelayFromOpenMaxMs: q(fromOpen, 1),
  };
}

/** Both runs' figures side by side, the ratios alerts/plain, and the goals of issue 15. */
export function compareAlertRuns(
  plain: Record<string, Scalar>,
  alerts: Record<string, Scalar>,
): { figures: Record<string, Scalar>; goals: Goal[] } {
  const figures: Record<string, Scalar> = {};
  for (const k of PER_RUN) figures[`plain.${k}`] = plain[k] ?? null;
  for (const k of PER_RUN) figures[`alerts.${k}`] = alerts[k] ?? null;
  for (const [k, v] of Object.entries(alerts)) if (k.startsWith('burst')) figures[k] = v;
  const [onPlain, onAlerts] = [num(plain['onTimePct']), num(alerts['onTimePct'])];
  Object.assign(figures, {
    cpuRatio: ratio(alerts['daemonCpuPct'], plain['daemonCpuPct']),
    startLagP50Ratio: ratio(alerts['startLagP50Ms'], plain['startLagP50Ms']),
    startLagP99Ratio: ratio(alerts['startLagP99Ms'], plain['startLagP99Ms']),
    onTimeDiffPp:
      onPlain === null || onAlerts === null ? null : Math.round((onAlerts - onPlain) * 1000) / 1000,
  });
  const cpu = num(figures['cpuRatio']);
  const diff = num(figures['onTimeDiffPp']);
  const complete = alerts['burstComplete'];
  const dup = num(alerts['burstDuplicates']);
  const opened = num(alerts['incidentsOpened']);
  const goals: Goal[] = [
    {
      figure: 'cpuRatio',
      goal: `≤ ${ALERTS_GOALS.cpuRatio} (CPU with alerts / without)`,
      pass: cpu === null ? null : cpu <= ALERTS_GOALS.cpuRatio,
    },
    {
      figure: 'onTimeDiffPp',
      goal: `≥ −${ALERTS_GOALS.onTimeDropPp} pp (on time the same)`,
      pass: diff === null ? null : diff >= -ALERTS_GOALS.onTimeDropPp,
    },
    // No incident in the window would mean the flapping did not make the tracker work.
    {
      figure: 'alerts.incidentsOpened',
      goal: '> 0 (the flapping services opened incidents)',
      pass: opened === null ? null : opened > 0,
    },
    {
      figure: 'burstComplete',
      goal: 'true (a down event of every service of the origin accepted)',
      pass: typeof complete === 'boolean' ? complete : null,
    },
    { figure: 'burstDuplicates', goal: '0 (by event id)', pass: dup === null ? null : dup === 0 },
  ];
  return { figures, goals };
}
