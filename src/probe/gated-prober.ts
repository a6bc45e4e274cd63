import type { ResolvedService } from '../config/resolve.js';
import type { ProbeResult } from '../results/types.js';
import { missedResult, resultWithoutResponse } from '../results/without-response.js';
import { createProber, type ProberOptions } from './prober.js';
import { createRequestGate } from './request-gate.js';
import type { ProbeOptions, Prober } from './types.js';

/**
 * A prober behind the request gate (request-gate.ts): at most `concurrency` probes in flight,
 * `perOrigin` per origin; the rest wait, and one whose window ends first is answered `missed`
 * without starting. Every prober the runner is given applies the caps this way (the threaded
 * one in its worker, probe-worker.ts, with this same wrapper), so the runner keeps no copy of
 * them: a slot frees the moment its request ends.
 */

export interface GatedProberOptions extends ProberOptions {
  /** Requests in flight in all (the config's runner.concurrency). Default 512. */
  concurrency?: number;
  /** Requests in flight per origin (the config's runner.per_origin), also the pools' size. Default 16. */
  perOrigin?: number;
}

const CAPS_FULL = 'the concurrency caps stayed full';
const STOPPED_FIRST = 'slot not started: the monitor stopped while it waited for the concurrency caps';

/** A probe as it waits at the gate. */
interface GateItem {
  service: ResolvedService;
  options: ProbeOptions;
  resolve: (r: ProbeResult) => void;
  reject: (e: unknown) => void;
}

/** The in-thread prober (prober.ts) behind the gate; `inner` replaces it (tests, the probe worker's own). */
export function createGatedProber(options: GatedProberOptions = {}, inner?: Prober): Prober {
  const prober = inner ?? createProber(options);
  /** Services whose last slot was missed here: their next probe waits at an overloaded origin, and goes first. */
  const owedServices = new WeakSet<ResolvedService>();
  /** Shutdown signals already watched: one listener each, not one per probe. */
  const watched = new WeakSet<AbortSignal>();
  const gate = createRequestGate<GateItem>({
    start: run,
    miss,
    perOrigin: options.perOrigin,
    concurrency: options.concurrency,
    owed: (item) => owedServices.has(item.service),
  });

  function run(item: GateItem): void {
    const { service, options: opts } = item;
    owedServices.delete(service);
    let pending: Promise<ProbeResult>;
    try {
      // The window is the gate's business: once started, the probe runs to its own deadline.
      pending = prober.probe(service, {
        scheduledAt: opts.scheduledAt,
        agent: opts.agent,
        signal: opts.signal,
      });
    } catch (e: unknown) {
      pending = Promise.reject(e);
    }
    pending.then(
      (r) => {
        gate.release(service.origin);
        item.resolve(r);
      },
      (e: unknown) => {
        gate.release(service.origin);
        item.reject(e);
      },
    );
  }

  function miss({ service, options: opts, resolve }: GateItem): void {
    const t = Date.now();
    owedServices.add(service);
    resolve(
      opts.signal?.aborted
        ? resultWithoutResponse(service, opts.scheduledAt, opts.agent, t, null, 'missed', STOPPED_FIRST)
        : missedResult(service, opts.scheduledAt, opts.agent, CAPS_FULL, t),
    );
  }

  /** Shutdown: probes still waiting for a slot never started, and now never will. */
  function watch(signal: AbortSignal): void {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener('abort', () => gate.abandon(), { once: true });
  }

  return {
    probe(service, opts) {
      return new Promise<ProbeResult>((resolve, reject) => {
        if (opts.signal !== undefined) watch(opts.signal);
        gate.enter(service.origin, opts.windowEndsAt ?? Number.MAX_SAFE_INTEGER, {
          service,
          options: opts,
          resolve,
          reject,
        });
        if (opts.signal?.aborted) gate.abandon();
      });
    },
    async close() {
      gate.close();
      await prober.close();
    },
  };
}
