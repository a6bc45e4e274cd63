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
  'missed',
  'cert_expiring',
  'condition',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];
export const PROBE_STATES = ['up', 'degraded', 'down', 'unknown'] as const;
export type ProbeState = (typeof PROBE_STATES)[number];
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
  state?: ProbeState;
  conditions?: ConditionOutcome[] | null;
  resolvedIp?: string | null;
  dnsMs?: number | null;
  connectMs?: number | null;
  tlsMs?: number | null;
  ttfbMs?: number | null;
  transferMs?: number | null;
  tlsVersion?: string | null;
  certIssuer?: string | null;
  certExpiresAt?: number | null;
  certChainExpiresAt?: number | null;
}
