import type { DeliveryView, IncidentWithDeliveries } from '../../db/local/incident-queries.js';
import type { TrackedIncident } from '../../db/local/incident-store.js';
import { scrub } from '../../log/secrets.js';
import { formatDuration } from '../../notify/event-text.js';

/**
 * How `monitor alerts list|history` show incidents and deliveries. The rows hold no secret by
 * design, but every text still passes through `scrub` and URL passwords are masked, as in
 * `monitor db rejected`: a row written by an older or buggy version must not leak one either.
 */

/** A URL's password (http://user:pass@host/) and registered secrets never reach the output. */
export function shown(text: string): string {
  return scrub(text).replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:****@');
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Long texts are cut in tables (the JSON has them whole). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `4m 10s`, `1h 2m`: how long an incident lasted, or has lasted until `now`. */
export function lasted(i: TrackedIncident, now: number): string {
  return formatDuration((i.resolvedAt ?? now) - i.openedAt);
}

export function incidentJson(i: TrackedIncident, now: number): Record<string, unknown> {
  return {
    id: i.id,
    service_key: i.serviceKey,
    url: shown(i.url),
    method: i.method,
    kind: i.kind,
    agent: shown(i.agent),
    opened_at: iso(i.openedAt),
    resolved_at: iso(i.resolvedAt),
    resolution: i.resolution,
    // Whole seconds: how long it lasted, or has lasted so far when still open.
    duration_sec: Math.max(0, Math.round(((i.resolvedAt ?? now) - i.openedAt) / 1000)),
    cause: shown(i.cause),
    notified: i.notified,
  };
}

export function deliveryJson(d: DeliveryView): Record<string, unknown> {
  return {
    event_id: d.eventId,
    channel: d.channel,
    kind: d.kind,
    attempt: d.attempt,
    at: iso(d.at),
    status: d.status,
    code: d.code,
    detail: shown(d.detail),
    duration_ms: d.durationMs,
  };
}

export function historyJson(i: IncidentWithDeliveries, now: number): Record<string, unknown> {
  return { ...incidentJson(i, now), deliveries: i.deliveries.map(deliveryJson) };
}
