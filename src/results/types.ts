import type { HttpMethod } from '../config/types.js';

/**
 * Why a probe was not ok. `null` on a result means no error (the verdict may still be false if
 * the status is unexpected: that is `http_status`).
 */
export const ERROR_CLASSES = [
  'timeout',
  'dns',
  'connect',
  'tls',
  'reset',
  'protocol',
  'body_too_large',
  'regex_mismatch',
  'regex_timeout',
  'http_status',
  'redirect',
  /** A [CERT_EXPIRY] condition failed (an invalid certificate stays 'tls'). */
  'cert_expiring',
  /** Another condition failed. */
  'condition',
  'missed',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** A result's state; derived by `stateFor` (src/results/state.ts). */
export const PROBE_STATES = ['up', 'degraded', 'down', 'unknown'] as const;
export type ProbeState = (typeof PROBE_STATES)[number];

/** One condition's outcome on a result. */
export interface ConditionOutcome {
  condition: string;
  degrades: boolean;
  held: boolean;
  observed: string | null;
}

/** One probe outcome, as stored locally and exported. Times are epoch milliseconds (UTC). */
export interface ProbeResult {
  /** UUIDv7, made at probe time: unique forever and across agents; the remote conflict key. */
  id: string;
  agent: string;
  /** Stable key of the service (see config/service-key.ts). */
  serviceKey: string;
  url: string;
  method: HttpMethod;
  /** The grid slot this probe belongs to. */
  scheduledAt: number;
  /** When the request started; null for a `missed` slot. */
  startedAt: number | null;
  finishedAt: number;
  durationMs: number | null;
  statusCode: number | null;
  ok: boolean;
  regexRequired: boolean;
  regex: string | null;
  /** null when the regex was not evaluated (not required, or no body). */
  regexMatched: boolean | null;
  errorClass: ErrorClass | null;
  /** Human-readable detail, including the underlying code (ECONNREFUSED, UND_ERR_…). */
  errorMessage: string | null;
  bytesRead: number;
  truncated: boolean;
  /** up, degraded or down; 'unknown' for a missed slot (nothing was probed). ok stays true for up and degraded. */
  state: ProbeState;
  /** Every condition evaluated, in order (the implied status/regex ones included); null when none was evaluated (no response, missed). */
  conditions: ConditionOutcome[] | null;
  /** The IP address connected to; null when no connection was made. */
  resolvedIp: string | null;
  /** Phase times in ms; null where the phase did not happen (a reused connection has no DNS/connect/TLS). */
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  transferMs: number | null;
  /** HTTPS only: the negotiated version ('TLSv1.3'), the leaf's issuer, the leaf's expiry and the earliest expiry in the chain (epoch ms). */
  tlsVersion: string | null;
  certIssuer: string | null;
  certExpiresAt: number | null;
  certChainExpiresAt: number | null;
  /**
   * The slot fell in a maintenance window of the service (set when the result is recorded, so a
   * probe worker never sends it). Absent = false.
   */
  maintenance?: boolean;
}
