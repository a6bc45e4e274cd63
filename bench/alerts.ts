/**
 * Issue 15: alerting costs the hot path little, and a burst of incidents reaches the receiver
 * fast. The 10k load (bench/monitor-run.ts) runs twice, back to back: plain (no alerts), then with
 * every service alerting to a webhook channel `sink` (a local receiver, bench/receiver.ts) while
 * 1 % of the services flap at the target (20 s down, 20 s up, each with its own phase), so the
 * tracker opens and resolves incidents and the notify lane delivers during the window.
 * After the alerts run's window, a whole origin (services / burst origins, 1,000 services at full
 * size) goes down at once: the time until the receiver accepted a `down` event for every one of
 * them, from the origin going down and from the last of their incidents opening.
 */

import { readAlertRows } from './alert-rows.js';
import { burstFigures, compareAlertRuns, windowNotifyFigures } from './alerts-figures.js';
import { type MonitorRun, type Rig, type RunScenario, runMonitor } from './monitor-run.js';
import { type Receiver, startReceiver } from './receiver.js';
import type { BenchResult, Scalar } from './result.js';

/** 1 % of the services flap: i % 100 === 0 (bench/target-server.ts). */
export const FLAP_EVERY = 100;
export const FLAP = { flapEvery: FLAP_EVERY, downMs: 20_000, upMs: 20_000 } as const;

export interface AlertsBenchOptions {
  services: number;
  seconds: number;
  warmupSeconds: number;
  /** Services of the origin that goes down; the services spread over services / burst origins. */
  burst: number;
  /** Longest wait for the burst's events, seconds. */
  burstLimitSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The burst origin is the last one: with origins dividing 100, the flapping services (i % 100 === 0)
 * all sit on origin 0, so its services are all up when it goes down. Any that flap are left out.
 */
export function burstUrls(services: Rig['services'], origins: number): string[] {
  const origin = origins - 1;
  return services.filter((_, i) => i % origins === origin && i % FLAP_EVERY !== 0).map((s) => s.url);
}

/** In the window: what the receiver got; after it: the origin down and its burst; after the stop: SQLite. */
function alertScenario(receiver: Receiver, origins: number, limitMs: number, say: (s: string) => void) {
  let burst: { downAt: number; urls: string[] } | null = null;
  const scenario: RunScenario = {
    async during(rig) {
      await sleep(Math.max(0, rig.t1 - Date.now()));
      const figures: Record<string, Scalar> = {
        ...windowNotifyFigures(receiver.received, rig.t0, rig.t1),
        receiverMalformed: receiver.malformed(),
      };
      const urls = burstUrls(rig.services, origins);
      const want = new Set(urls);
      const downAt = await rig.target.setOriginDown(origins - 1, true);
      burst = { downAt, urls };
      say(`origin ${origins - 1} down: ${urls.length} services`);
      const reached = new Set<string>();
      let seen = 0;
      while (Date.now() - downAt < limitMs && reached.size < want.size) {
        await sleep(100);
        for (; seen < receiver.received.length; seen++) {
          const r = receiver.received[seen]!;
          if (r.kind === 'down' && r.at >= downAt && want.has(r.serviceUrl)) reached.add(r.serviceUrl);
        }
      }
      say(
        `burst: ${reached.size}/${want.size} down events in ${((Date.now() - downAt) / 1000).toFixed(1)} s`,
      );
      // A repeated delivery (a retry of an accepted event) would come soon after: give it time to show.
      await sleep(2000);
      return figures;
    },
    async after(rig) {
      const rows = readAlertRows(
        rig.localDatabasePath,
        [rig.t0, rig.t1],
        burst && { from: burst.downAt, urls: burst.urls },
      );
      if (burst === null) return rows.figures;
      const b = burstFigures(receiver.received, {
        downAt: burst.downAt,
        urls: new Set(burst.urls),
        lastOpenedAt: rows.burstLastOpenedAt,
      });
      const since = (t: number | null) => (t === null ? null : Math.round(t - burst!.downAt));
      return {
        ...rows.figures,
        ...b,
        burstIncidentsOpened: rows.burstIncidents,
        burstFirstOpenedMs: since(rows.burstFirstOpenedAt),
        burstLastOpenedMs: since(rows.burstLastOpenedAt),
      };
    },
  };
  return scenario;
}

const withoutLoad = (inputs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith('loadAvg')));

export async function alertsBench(o: AlertsBenchOptions): Promise<BenchResult> {
  const origins = Math.max(1, Math.round(o.services / o.burst));
  const base = {
    services: o.services,
    seconds: o.seconds,
    warmupSeconds: o.warmupSeconds,
    origins,
    postgres: true,
  };
  const plain = await runMonitor({ ...base, label: '[10k-alerts plain]' });
  const receiver = await startReceiver();
  let alerts: MonitorRun;
  try {
    const label = '[10k-alerts alerts]';
    const say = (s: string) => process.stderr.write(`${label} ${s}\n`);
    alerts = await runMonitor({
      ...base,
      label,
      alerts: { sink: { type: 'webhook', target: receiver.url } },
      behaviour: FLAP,
      scenario: alertScenario(receiver, origins, o.burstLimitSeconds * 1000, say),
    });
  } finally {
    await receiver.close();
  }
  const { figures, goals } = compareAlertRuns(plain.figures, alerts.figures);
  figures['alerts.notificationsDown'] = alerts.figures['notificationsDown'] ?? null;
  figures['alerts.notificationsResolved'] = alerts.figures['notificationsResolved'] ?? null;
  figures['alerts.notifyJobsLeftAtStop'] = alerts.figures['notifyJobsLeft'] ?? null;
  figures['alerts.receiverMalformed'] = alerts.figures['receiverMalformed'] ?? null;
  const load = (r: MonitorRun) => `${r.inputs['loadAvgBefore']}→${r.inputs['loadAvgAfter']}`;
  return {
    name: '10k-alerts',
    title: `${o.services.toLocaleString('en-US')} services at 5 s, plain vs alerting with 1 % flapping, then ${o.burst.toLocaleString('en-US')} incidents at once (issue 15), monitor start exporting to a local PostgreSQL`,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: {
      ...withoutLoad(alerts.inputs),
      runs: 'plain, then with alerts, back to back; each its own target, PostgreSQL and daemon',
      channel: 'sink: webhook to a receiver on 127.0.0.1 in the bench process, answering 200 at once',
      flapping: `services i % ${FLAP_EVERY} === 0 (on origin 0): ${FLAP.downMs / 1000} s 500, ${FLAP.upMs / 1000} s 200, phases ~1 s apart`,
      burst: `after the window, origin ${origins - 1} of ${origins} answers 500 on every path; failure_threshold 3 (default)`,
      burstLimitSeconds: o.burstLimitSeconds,
      loadAvg: `plain ${load(plain)}, alerts ${load(alerts)}`,
    },
    figures,
    goals,
    notes: [
      ...plain.notes.map((n) => `plain: ${n}`),
      ...alerts.notes.map((n) => `alerts: ${n}`),
      'startLag: started_at − scheduled_at of the rows in PostgreSQL; ratios: alerts / plain; onTimeDiffPp: alerts − plain, percentage points',
      'incidents*, deliveries*: the window’s rows of the local SQLite, read after the daemon stopped; notifications*: what the receiver accepted in the window',
      'burstDelay*: arrival at the receiver of each service’s first down event − the origin going down (or − its incident’s opened_at: FromOpen); burstAllAcceptedS: the last of them − the origin going down; burstFromLastOpenedMs: the last of them − the last burst incident’s opened_at; burstFirst/LastOpenedMs: incidents’ opened_at − the origin going down (≥ 2 intervals: failure_threshold 3)',
    ],
  };
}
