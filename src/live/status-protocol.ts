import type { LiveService } from './status-source.js';

/**
 * Messages between the daemon's main thread and the status worker (status-worker.ts). Answers are
 * UTF-8 bytes whose ArrayBuffer is transferred, not copied: the main thread only writes them out.
 */

export interface StatusWorkerData {
  /** Absolute path of the local database (opened read-only in the worker). */
  path: string;
  services: LiveService[];
  /** Public mode: URLs and origins blanked in the JSON, the page shows names and states only. */
  public: boolean;
  /** A fixed clock, epoch ms (tests comparing with the synchronous source); null = Date.now. */
  fixedNow: number | null;
  /** One computed list serves the answers asked for within this many ms. */
  listReuseMs: number;
}

export type StatusRequest =
  | { type: 'status'; id: number }
  | { type: 'page'; id: number }
  | { type: 'history'; id: number; key: string; from: number; to: number; step: number };

/** A request as the caller makes it; the client adds the id. */
export type StatusAsk = WithoutId<StatusRequest>;
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export type ToStatusWorker =
  | StatusRequest
  | { type: 'services'; services: LiveService[] }
  /** Close the connection and let the thread end. */
  | { type: 'close' };

export type FromStatusWorker =
  /** `body` null: no such service (history only). */
  { id: number; ok: true; body: Uint8Array | null } | { id: number; ok: false; error: string };
