import type { ResolvedChannel } from '../../src/config/channels.js';
import type { ChannelType } from '../../src/config/types.js';
import type { EventKind, NotifyEvent } from '../../src/results/incident.js';

/** A complete event of `kind`: opened at 10:00:00, resolved (or reminded) 4m 10s later. */
export function sampleEvent(kind: EventKind = 'down', overrides: Partial<NotifyEvent> = {}): NotifyEvent {
  const test = kind === 'test';
  return {
    event_id: '01938a6e-8f00-7abc-8def-0123456789ab',
    incident_id: test ? null : '01938a6e-0000-7abc-8def-000000000001',
    kind,
    incident_kind: test ? null : 'down',
    service: { url: 'https://x.example/health', method: 'GET', key: 'svc-1' },
    agent: 'a1',
    at: kind === 'resolved' || kind === 'reminder' ? '2026-12-03T10:04:10.000Z' : '2026-12-03T10:00:00.000Z',
    opened_at: test ? null : '2026-12-03T10:00:00.000Z',
    resolved_at: kind === 'resolved' ? '2026-12-03T10:04:10.000Z' : null,
    cause: test || kind === 'resolved' ? null : 'timeout: connect ETIMEDOUT',
    failing_conditions: [],
    result_id: test ? null : '01938a6e-0000-7abc-8def-000000000002',
    ...overrides,
  };
}

export function channelOf(
  type: ChannelType,
  target: string,
  extra: Partial<ResolvedChannel> = {},
): ResolvedChannel {
  return { name: `ch-${type}`, type, target, headers: {}, secret: null, timeoutMs: 5000, ...extra };
}

/** A signal that never fires: the caller is not shutting down. */
export const never = new AbortController().signal;
