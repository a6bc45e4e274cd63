import type { ResolvedService } from '../config/resolve.js';
import type { NewJob } from '../queue/store.js';
import type { EventKind, Incident, NotifyEvent } from '../results/incident.js';
import type { ProbeResult } from '../results/types.js';
import { uuidv7 } from '../util/uuidv7.js';

/** The events the tracker and the alerts job send, and the notify jobs that carry them. */

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One line: why a result is bad (its error class and message, or the first failed condition). */
export function causeOf(result: ProbeResult): string {
  const failed = result.conditions?.find((c) => !c.held);
  const what =
    result.errorMessage ?? (failed ? `${failed.condition} (observed ${failed.observed ?? 'nothing'})` : null);
  return [result.errorClass ?? result.state, what].filter((x) => x !== null).join(': ');
}

export function incidentEvent(
  kind: EventKind,
  incident: Incident,
  result: ProbeResult | null,
  at: number,
): NotifyEvent {
  return {
    event_id: uuidv7(at),
    incident_id: incident.id,
    kind,
    incident_kind: incident.kind,
    service: { url: incident.url, method: incident.method, key: incident.serviceKey },
    agent: incident.agent,
    at: new Date(at).toISOString(),
    opened_at: iso(incident.openedAt),
    resolved_at: iso(incident.resolvedAt),
    cause: kind === 'resolved' ? incident.cause : result ? causeOf(result) : incident.cause,
    failing_conditions: result?.conditions?.filter((c) => !c.held) ?? [],
    result_id: result?.id ?? null,
  };
}

/** The event of `monitor alerts test`. */
export function testEvent(agent: string, at: number): NotifyEvent {
  return {
    event_id: uuidv7(at),
    incident_id: null,
    kind: 'test',
    incident_kind: null,
    service: { url: 'https://monitor.invalid/test', method: 'GET', key: 'test' },
    agent,
    at: new Date(at).toISOString(),
    opened_at: null,
    resolved_at: null,
    cause: 'a test event sent by `monitor alerts test`',
    failing_conditions: [],
    result_id: null,
  };
}

/** The dedupe key of a notify job: the notify lane claims channel by channel on its prefix. */
export const notifyKeyPrefix = (channel: string): string => `notify:${channel}:`;

/** One notify job per channel; the event (and so its id, the Idempotency-Key) is fixed now. */
export function notifyJobs(event: NotifyEvent, channels: readonly string[], now: number): NewJob<'notify'>[] {
  return channels.map((channel) => ({
    kind: 'notify' as const,
    payload: { channel, event, enqueuedAt: now },
    runAt: now,
    dedupeKey: notifyKeyPrefix(channel) + event.event_id,
  }));
}

/** The service an incident is about, for the notification's channels (null when it left the config). */
export type ServiceLookup = (key: string) => ResolvedService | undefined;
