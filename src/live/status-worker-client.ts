import { Worker } from 'node:worker_threads';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { Backoff, type BackoffOptions } from '../util/backoff.js';
import type { FromStatusWorker, StatusAsk, StatusWorkerData, ToStatusWorker } from './status-protocol.js';
import type { LiveService } from './status-source.js';

export interface StatusWorkerOptions {
  /** Absolute path of the local database; the worker opens it read-only. */
  path: string;
  services: readonly LiveService[];
  /** Public mode (URLs and origins hidden). */
  public: boolean;
  logger: Logger;
  /** Restarts of a worker that died: default base 500 ms, cap 30 s, full jitter. */
  backoff?: BackoffOptions;
  /**
   * An answer not given within this is given up (503) and the worker, stuck, is replaced: no query
   * of the live view takes seconds (busy_timeout is 5 s). Default 30,000 ms.
   */
  answerTimeoutMs?: number;
  /** How long stop() lets the worker close its connection before terminating it. Default 2,000 ms. */
  stopWaitMs?: number;
  /** A worker without requests for this long ends; the next request starts another. Default 300,000 ms (5 min). */
  idleMs?: number;
  /** Runs the delayed restart; tests hold it. Default: an unref'd setTimeout. */
  schedule?: (restart: () => void, ms: number) => { cancel(): void };
  /** Tests only: a fixed clock for the worker's computation. Default: the real clock. */
  fixedNow?: number;
  /**
   * One computed list serves the answers asked for within this (a page load and its first
   * /api/status poll); the bytes themselves are cached by cached-status.ts. Default 1,000 ms.
   */
  listReuseMs?: number;
}

/** The live view cannot answer now (worker restarting, failed or stopped): the routes send 503. */
/**
 * The worker's heap, bounded: an answer at 10,000 services is a few MB of objects and text. The
 * small young generation keeps V8 from growing 16 MB semi-spaces for them (RSS); a worker over the
 * old-generation cap dies with ERR_WORKER_OUT_OF_MEMORY and is replaced like any dead worker.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 } as const;

export class LiveUnavailableError extends Error {}

interface Pending {
  resolve: (body: Buffer | null) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const WORKER_URL = new URL('./status-worker.js', import.meta.url);

const defaultSchedule = (restart: () => void, ms: number) => {
  const t = setTimeout(restart, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

/**
 * The status worker (status-worker.ts) seen from the daemon's main thread: requests by id, answers
 * as bytes. A worker that dies or errors never takes the daemon down: its requests are rejected
 * (LiveUnavailableError → 503), the failure is logged once (until an answer comes again), and a
 * fresh worker starts after a backoff. The thread is unref'd: never what keeps the process alive.
 */
export class StatusWorker {
  private readonly opts: StatusWorkerOptions;
  private readonly backoff: Backoff;
  private readonly schedule: NonNullable<StatusWorkerOptions['schedule']>;
  private services: LiveService[];
  private worker: Worker | null = null;
  private restart: { cancel(): void } | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private idle: NodeJS.Timeout | undefined;
  /** Between a failure being logged and the next answer: further failures are not logged again. */
  private failing = false;

  constructor(opts: StatusWorkerOptions) {
    this.opts = opts;
    this.backoff = new Backoff({ baseMs: 500, capMs: 30_000, ...opts.backoff });
    this.schedule = opts.schedule ?? defaultSchedule;
    this.services = plain(opts.services);
  }

  /** The running thread, null while restarting or stopped. For tests (terminate it to kill it). */
  get thread(): Worker | null {
    return this.worker;
  }

  /** A reload: the next answer computed has these services. */
  setServices(services: readonly LiveService[]): void {
    this.services = plain(services);
    this.post({ type: 'services', services: this.services });
  }

  /** The answer's bytes; null only for the history of an unknown service. */
  ask(request: StatusAsk): Promise<Buffer | null> {
    if (this.stopped) return Promise.reject(new LiveUnavailableError('the live view is stopping'));
    if (this.worker === null && this.restart === null) {
      // Nobody asked yet, or the worker was retired when idle: start one now.
      try {
        this.worker = this.spawn();
      } catch (e) {
        this.logOnce(`the live view worker cannot start: ${toError(e).message}`);
        this.scheduleRestart();
      }
    }
    const w = this.worker;
    if (w === null) return Promise.reject(new LiveUnavailableError('the live view worker is restarting'));
    this.retireWhenIdle();
    const id = this.nextId++;
    return new Promise<Buffer | null>((resolve, reject) => {
      const ms = this.opts.answerTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.fail(w, `the live view worker did not answer within ${ms} ms`);
        void w.terminate();
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      w.postMessage({ ...request, id } as ToStatusWorker);
    });
  }

  /**
   * Two phases: ask the worker to close its connection and end (answers already asked for come
   * first), then terminate it if it has not ended within stopWaitMs. A second call gets the first
   * one's promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  /**
   * The worker (an isolate, its heap and a connection: tens of MB) lives only while someone looks:
   * idleMs after the last request it is asked to end, and the next request starts a fresh one.
   */
  private retireWhenIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      const w = this.worker;
      if (w === null || this.pending.size > 0) {
        if (w !== null) this.retireWhenIdle();
        return;
      }
      this.worker = null;
      w.postMessage({ type: 'close' } satisfies ToStatusWorker);
    }, this.opts.idleMs ?? 300_000);
    this.idle.unref();
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idle);
    const w = this.worker;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.restart?.cancel();
      this.restart = null;
      if (w === null) return;
      const ended = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'close' } satisfies ToStatusWorker);
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), this.opts.stopWaitMs ?? 2_000);
      });
      if ((await Promise.race([ended, late])) === 'late') await w.terminate();
    } finally {
      clearTimeout(timer);
      this.worker = null;
      this.rejectAll('the live view is stopping');
    }
  }

  private spawn(): Worker {
    const data: StatusWorkerData = {
      path: this.opts.path,
      services: this.services,
      public: this.opts.public,
      fixedNow: this.opts.fixedNow ?? null,
      listReuseMs: this.opts.listReuseMs ?? 1_000,
    };
    const w = new Worker(WORKER_URL, { workerData: data, resourceLimits: WORKER_LIMITS });
    w.unref();
    let why = '';
    w.on('message', (m: FromStatusWorker) => this.received(m));
    w.on('error', (e: unknown) => {
      why = toError(e).message.split('\n')[0] ?? '';
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.fail(
        w,
        why === '' ? `the live view worker exited (code ${code})` : `the live view worker failed: ${why}`,
      );
    });
    return w;
  }

  private received(m: FromStatusWorker): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (!m.ok) {
      this.logOnce(`live view answer failed: ${m.error}`);
      p.reject(new LiveUnavailableError(m.error));
      return;
    }
    if (this.failing) this.opts.logger.info({ module: 'http' }, 'The live view answers again.');
    this.failing = false;
    this.backoff.reset();
    p.resolve(m.body === null ? null : Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
  }

  /** Worker `w` is gone or given up on: its requests fail, a fresh one starts after the backoff. */
  private fail(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    this.rejectAll(why);
    if (this.stopped) return;
    this.logOnce(`${why}; restarting it`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    this.restart = this.schedule(() => {
      this.restart = null;
      if (this.stopped || this.worker !== null) return;
      try {
        this.worker = this.spawn();
      } catch (e) {
        // No thread could be made (out of memory?): try again later.
        this.logOnce(`the live view worker cannot start: ${toError(e).message}`);
        this.scheduleRestart();
      }
    }, this.backoff.next());
  }

  private logOnce(message: string): void {
    if (this.failing) return;
    this.failing = true;
    this.opts.logger.warn({ module: 'http' }, message);
  }

  private rejectAll(why: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new LiveUnavailableError(why));
    }
  }

  private post(m: ToStatusWorker): void {
    this.worker?.postMessage(m);
  }
}

/** Only the fields the worker needs, as plain objects (a resolved service holds functions). */
function plain(services: readonly LiveService[]): LiveService[] {
  return services.map((s) => ({ key: s.key, url: s.url, method: s.method, origin: s.origin }));
}
