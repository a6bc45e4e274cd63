import type { ResolvedService } from '../config/resolve.js';
import { isOkState } from '../results/state.js';
import type { ConditionOutcome, ErrorClass, ProbeResult, ProbeState } from '../results/types.js';
import type { ProberOptions } from './prober.js';

/**
 * The messages between the threaded prober (main thread) and its probe worker. Both directions
 * are batched and flat: one structured clone of a few arrays of numbers costs far less than one
 * message, or one object, per probe. Everything a result shares with its service (url, method,
 * key, regex) stays on the main thread and is filled back in there.
 */

export interface ProbeWorkerData {
  options: ProberOptions;
  /** Results are sent at most this long after the first of a batch finished (see ThreadedProberOptions). */
  batchMs: number;
  /** Requests in flight in all (the per-origin cap is options.perOrigin). */
  concurrency: number;
}

/** Main → worker. */
export interface ToWorker {
  /** Services the worker has not seen yet, by the id that the starts use. */
  services?: [number, ResolvedService][];
  /** Ids of services no longer used on the main thread. */
  forget?: number[];
  /**
   * START_STRIDE numbers per probe: seq, service id, scheduledAt, shutdown-signal id (0 = none),
   * windowEndsAt (NO_WINDOW_END = none).
   */
  starts?: number[];
  /** Shutdown signals that aborted: every probe started with one of them is aborted. */
  abort?: number[];
  /** Close the pools and exit. */
  close?: true;
}

export const START_STRIDE = 5;
export const NO_WINDOW_END = Number.MAX_SAFE_INTEGER;

/**
 * One result without what the main thread already knows, RESULT_STRIDE cells per probe. The
 * conditions travel as their array (usually null): structured clone copies it in the same message.
 */
type ResultCell = number | string | boolean | null | ConditionOutcome[];
export const RESULT_STRIDE = 23;

/** Worker → main. */
export interface FromWorker {
  results?: ResultCell[];
  /** The worker closed its pools (answer to `close`). */
  closed?: true;
}

export function encodeResult(out: ResultCell[], seq: number, r: ProbeResult): void {
  out.push(
    seq,
    r.id,
    r.startedAt,
    r.finishedAt,
    r.durationMs,
    r.statusCode,
    r.regexMatched,
    r.errorClass,
    r.errorMessage,
    r.bytesRead,
    r.truncated,
    r.state,
    r.conditions,
    r.resolvedIp,
    r.dnsMs,
    r.connectMs,
    r.tlsMs,
    r.ttfbMs,
    r.transferMs,
    r.tlsVersion,
    r.certIssuer,
    r.certExpiresAt,
    r.certChainExpiresAt,
  );
}

export interface ProbeContext {
  service: ResolvedService;
  scheduledAt: number;
  agent: string;
}

/** The result at `offset` of a results array; `seq` is cells[offset]. */
export function decodeResult(cells: readonly ResultCell[], offset: number, ctx: ProbeContext): ProbeResult {
  const { service } = ctx;
  const errorClass = cells[offset + 7] as ErrorClass | null;
  const state = cells[offset + 11] as ProbeState;
  return {
    id: cells[offset + 1] as string,
    agent: ctx.agent,
    serviceKey: service.key,
    url: service.url,
    method: service.method,
    scheduledAt: ctx.scheduledAt,
    startedAt: cells[offset + 2] as number | null,
    finishedAt: cells[offset + 3] as number,
    durationMs: cells[offset + 4] as number | null,
    statusCode: cells[offset + 5] as number | null,
    ok: isOkState(state),
    regexRequired: service.checkRegex,
    regex: service.regex,
    regexMatched: cells[offset + 6] as boolean | null,
    errorClass,
    errorMessage: cells[offset + 8] as string | null,
    bytesRead: cells[offset + 9] as number,
    truncated: cells[offset + 10] as boolean,
    state,
    conditions: cells[offset + 12] as ConditionOutcome[] | null,
    resolvedIp: cells[offset + 13] as string | null,
    dnsMs: cells[offset + 14] as number | null,
    connectMs: cells[offset + 15] as number | null,
    tlsMs: cells[offset + 16] as number | null,
    ttfbMs: cells[offset + 17] as number | null,
    transferMs: cells[offset + 18] as number | null,
    tlsVersion: cells[offset + 19] as string | null,
    certIssuer: cells[offset + 20] as string | null,
    certExpiresAt: cells[offset + 21] as number | null,
    certChainExpiresAt: cells[offset + 22] as number | null,
  };
}
