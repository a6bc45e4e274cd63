import type { HttpMethod } from '../config/types.js';
import type { ConditionOutcome } from './types.js';

/**
 * Incidents and the events they send, typed once: the tracker makes them, the local database
 * stores them, the exporter ships them, the notifier renders them, the CLI shows them.
 * Times are epoch milliseconds (UTC).
 */

/** `down` opens on down results; `degraded` on degraded ones when the service asks for it. */
export const INCIDENT_KINDS = ['down', 'degraded'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Why an incident ended: enough up results, or the service left the config. */
export const RESOLUTIONS = ['recovered', 'removed'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface Incident {
  /** UUIDv7, made when it opens: unique everywhere; the remote conflict key. */
  id: string;
  agent: string;
  serviceKey: string;
  url: string;
  method: HttpMethod;
  kind: IncidentKind;
  openedAt: number;
  resolvedAt: number | null;
  resolution: Resolution | null;
  /** The failing result's error class / message / failing conditions, as of the opening result. */
  cause: string;
  /** The first down (or degraded) result of the run that opened it. */
  firstResultId: string;
  /** The result that opened it (the threshold-th). */
  openingResultId: string;
  /** The result that resolved it. */
  resolvingResultId: string | null;
  /** Grows with every change: the remote keeps the row with the highest version. */
  version: number;
}

/** What a notification says. `test` comes from `monitor alerts test`. */
export const EVENT_KINDS = ['down', 'degraded', 'resolved', 'reminder', 'test'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * One notification, as delivered to every channel (the webhook body is this object, JSON;
 * docs/alerts.md documents it). Its `event_id` is made once, when the event is enqueued, and is
 * the `Idempotency-Key` of every attempt on every channel.
 */
export interface NotifyEvent {
  event_id: string;
  incident_id: string | null;
  kind: EventKind;
  /** What the incident is about (down or degraded); null for `test`. */
  incident_kind: IncidentKind | null;
  service: { url: string; method: HttpMethod; key: string };
  agent: string;
  /** When the event happened (ISO 8601 UTC). */
  at: string;
  /** When the incident opened (ISO 8601 UTC), null for `test`. */
  opened_at: string | null;
  /** When it resolved, for `resolved`. */
  resolved_at: string | null;
  /** One line: the error class and message of the result that caused the event. */
  cause: string | null;
  /** The conditions that failed on that result (empty when there were none to show). */
  failing_conditions: ConditionOutcome[];
  /** The result the event was decided on. */
  result_id: string | null;
}
