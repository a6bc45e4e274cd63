import type { ClaimedJob, DeliveryRecord, JobRef } from '../queue/store.js';
import type { DeliveryOutcome, NotifyPayload } from '../queue/types.js';
import type { NotifyEvent } from '../results/incident.js';
import { retryDelayMs } from '../util/backoff.js';
import type { ResultWriter } from './result-writer.js';
import { internalError, type RunnerContext, refOf } from './runner-context.js';

/**
 * The runner's `notify` jobs. Each channel is claimed on its own (by the dedupe key's prefix
 * `notify:<channel>:`), at most `perChannel` in flight, so a slow or dead channel holds only its
 * own jobs and never a probe, an export or another channel. A finished attempt claims its
 * channel's next job at once instead of waiting for the runner's poll: a burst of incidents is
 * delivered as fast as the receiver answers.
 */

/** Delivers one event to one configured channel; never throws (failures are outcomes). */
export interface NotifyTarget {
  /** The channels configured now. */
  channels(): readonly string[];
  deliver(channel: string, event: NotifyEvent, signal: AbortSignal): Promise<DeliveryOutcome>;
}

export interface NotifyLaneOptions {
  target: NotifyTarget;
  /** Attempts in flight per channel. Default 4. */
  perChannel?: number;
  /** Attempts in flight in all. Default 32. */
  total?: number;
  /** A notification not delivered this long after it was enqueued is set aside as expired. Default 24 h. */
  maxAgeMs?: number;
  /** Longest wait between two attempts. Default 5 min. */
  retryMaxMs?: number;
  /** Lease of a claimed job: longer than any attempt. Default 10 min. */
  leaseMs?: number;
}

export interface NotifyCounters {
  notifyAccepted: number;
  notifyRetries: number;
  /** Refused for good by the receiver, or expired. */
  notifyFailed: number;
}

export interface NotifyLane {
  claim(t: number): void;
  readonly running: number;
  readonly counters: Readonly<NotifyCounters>;
  releaseRunning(): void;
}

const IDLE_CLAIM_MS = 250;
/** How often jobs of channels no longer configured are looked for (and set aside). */
const ORPHAN_SWEEP_MS = 30_000;
const NOTIFY_PREFIX = 'notify:';

export function createNotifyLane(
  ctx: RunnerContext,
  writer: ResultWriter,
  options: NotifyLaneOptions,
): NotifyLane {
  const { store, logger, now } = ctx;
  const perChannel = options.perChannel ?? 4;
  const total = options.total ?? 32;
  const maxAgeMs = options.maxAgeMs ?? 24 * 3_600_000;
  const retryMaxMs = options.retryMaxMs ?? 300_000;
  const leaseMs = options.leaseMs ?? 600_000;
  const inFlight = new Map<string, number>();
  const idleUntil = new Map<string, number>();
  const running = new Map<number, JobRef>();
  const counters: NotifyCounters = { notifyAccepted: 0, notifyRetries: 0, notifyFailed: 0 };
  let orphansAt = 0;

  function claimChannel(channel: string, t: number): void {
    const free = Math.min(perChannel - (inFlight.get(channel) ?? 0), total - running.size);
    if (free <= 0 || ctx.stopping || t < (idleUntil.get(channel) ?? 0)) return;
    let jobs: ClaimedJob[];
    try {
      jobs = store.claim({
        kinds: ['notify'],
        keyPrefix: `${NOTIFY_PREFIX}${channel}:`,
        limit: free,
        now: t,
        leaseMs,
      });
    } catch (e: unknown) {
      writer.storeError('claiming notify jobs', e);
      return;
    }
    if (jobs.length === 0) idleUntil.set(channel, t + IDLE_CLAIM_MS);
    for (const job of jobs) attempt(channel, job as ClaimedJob<'notify'>);
  }

  function finish(
    job: ClaimedJob<'notify'>,
    outcome: DeliveryOutcome,
    status: DeliveryRecord['status'],
    retryAt: number | null | undefined,
  ): void {
    const { event, channel } = job.payload;
    const record: DeliveryRecord = {
      eventId: event.event_id,
      incidentId: event.incident_id,
      channel,
      kind: event.kind,
      attempt: job.attempts,
      at: now(),
      status,
      code: outcome.code,
      detail: outcome.detail,
      durationMs: Math.round(outcome.durationMs),
    };
    try {
      store.finishDelivery(refOf(job), record, retryAt);
    } catch (e: unknown) {
      writer.storeError('recording a delivery', e);
    }
  }

  /** What to do after an outcome: done (undefined), again at a time, or never again (null). */
  function decide(
    p: NotifyPayload,
    job: ClaimedJob,
    o: DeliveryOutcome,
  ): [DeliveryRecord['status'], number | null | undefined] {
    if (o.status === 'accepted') return ['accepted', undefined];
    if (o.status === 'failed') return ['failed', null];
    const retryAt =
      now() + Math.max(retryDelayMs(job.attempts, { baseMs: 1000, maxMs: retryMaxMs }), o.retryAfterMs ?? 0);
    return retryAt > p.enqueuedAt + maxAgeMs ? ['expired', null] : ['retry', retryAt];
  }

  function attempt(channel: string, job: ClaimedJob<'notify'>): void {
    inFlight.set(channel, (inFlight.get(channel) ?? 0) + 1);
    running.set(job.id, refOf(job));
    const p = job.payload;
    const started = now();
    const expired = started > p.enqueuedAt + maxAgeMs;
    const delivery: Promise<DeliveryOutcome> = expired
      ? Promise.resolve({
          status: 'retry',
          code: null,
          detail: 'not delivered within alerting.max_age',
          retryAfterMs: null,
          durationMs: 0,
        })
      : options.target.deliver(channel, p.event, ctx.abort.signal);
    delivery
      .then((o) => {
        if (!running.has(job.id)) return; // released at shutdown
        if (ctx.abort.signal.aborted && o.status === 'retry') {
          writer.release(refOf(job));
          return;
        }
        const [status, retryAt] = expired ? (['expired', null] as const) : decide(p, job, o);
        if (status === 'accepted') counters.notifyAccepted++;
        else if (status === 'retry') counters.notifyRetries++;
        else {
          counters.notifyFailed++;
          logger.warn(
            {
              channel,
              event: p.event.event_id,
              kind: p.event.kind,
              attempts: job.attempts,
              detail: o.detail,
            },
            status === 'expired'
              ? 'notification expired: not delivered within alerting.max_age'
              : 'notification refused by the receiver',
          );
        }
        finish(job, o, status, retryAt);
      })
      .catch((e: unknown) => internalError(ctx, e))
      .finally(() => {
        running.delete(job.id);
        inFlight.set(channel, (inFlight.get(channel) ?? 1) - 1);
        ctx.settled();
        if (!ctx.stopping) {
          idleUntil.delete(channel);
          claimChannel(channel, now());
        }
      });
  }

  /** Jobs of a channel removed from the config would wait forever: set them aside, logged. */
  function sweepOrphans(t: number, known: ReadonlySet<string>): void {
    orphansAt = t + ORPHAN_SWEEP_MS;
    const jobs = store.claim({ kinds: ['notify'], limit: 100, now: t, leaseMs });
    const keep: JobRef[] = [];
    for (const job of jobs as ClaimedJob<'notify'>[]) {
      if (known.has(job.payload.channel)) {
        keep.push(refOf(job));
        continue;
      }
      counters.notifyFailed++;
      logger.warn(
        { channel: job.payload.channel, event: job.payload.event.event_id },
        'notification set aside: its channel is no longer configured',
      );
      finish(
        job,
        {
          status: 'failed',
          code: null,
          detail: 'channel no longer configured',
          retryAfterMs: null,
          durationMs: 0,
        },
        'failed',
        null,
      );
    }
    store.release(keep);
  }

  return {
    claim(t) {
      const channels = options.target.channels();
      try {
        if (t >= orphansAt) sweepOrphans(t, new Set(channels));
      } catch (e: unknown) {
        writer.storeError('looking for notify jobs of removed channels', e);
      }
      for (const channel of channels) claimChannel(channel, t);
    },
    get running() {
      return running.size;
    },
    counters,
    releaseRunning() {
      writer.release(...running.values());
      running.clear();
    },
  };
}
