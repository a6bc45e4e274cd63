import type { NotifyEvent } from '../results/incident.js';

/**
 * What an event says, in words: a one-line summary (chat channels, ntfy title, mail subject) and
 * a short multi-line text (mail body, ntfy body). One place, so every channel says the same.
 */

/** `4m 10s`, `1h 2m`, `3d 4h`: the two largest units, never more. */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0 || (unit === 's' && parts.length === 0)) parts.push(`${n}${unit}`);
  }
  return parts.slice(0, 2).join(' ');
}

/** A service URL as shown: a password in it becomes `****` (the rest is what the user wrote). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '****';
    return u.toString();
  } catch {
    return url;
  }
}

const since = (from: string | null, to: string | null): string | null =>
  from && to ? formatDuration(Date.parse(to) - Date.parse(from)) : null;

/**
 * One line, e.g. `DOWN GET https://x/health — timeout: connect ETIMEDOUT (agent a1)`,
 * `RESOLVED GET https://x/health after 4m 10s (agent a1)`, `REMINDER … down for 1h 2m …`.
 */
export function summaryOf(event: NotifyEvent): string {
  const what = `${event.service.method} ${displayUrl(event.service.url)}`;
  const agent = `(agent ${event.agent})`;
  const cause = event.cause ? ` — ${event.cause}` : '';
  switch (event.kind) {
    case 'down':
    case 'degraded':
      return `${event.kind.toUpperCase()} ${what}${cause} ${agent}`;
    case 'resolved': {
      const took = since(event.opened_at, event.resolved_at ?? event.at);
      return `RESOLVED ${what}${took ? ` after ${took}` : ''} ${agent}`;
    }
    case 'reminder': {
      const state = event.incident_kind ?? 'down';
      const took = since(event.opened_at, event.at);
      return `REMINDER ${what} ${state}${took ? ` for ${took}` : ''}${cause} ${agent}`;
    }
    case 'test':
      return `TEST ${what} — test notification ${agent}`;
  }
}

/** The summary, then the facts one per line: service, cause, failing conditions, times, ids. */
export function textOf(event: NotifyEvent): string {
  const lines = [summaryOf(event), ''];
  lines.push(`Service: ${event.service.method} ${displayUrl(event.service.url)} (${event.service.key})`);
  if (event.cause) lines.push(`Cause: ${event.cause}`);
  for (const c of event.failing_conditions)
    lines.push(`Failed: ${c.condition}${c.observed !== null ? ` (observed ${c.observed})` : ''}`);
  if (event.opened_at) lines.push(`Opened: ${event.opened_at}`);
  if (event.resolved_at) lines.push(`Resolved: ${event.resolved_at}`);
  lines.push(`At: ${event.at}`, `Agent: ${event.agent}`);
  if (event.incident_id) lines.push(`Incident: ${event.incident_id}`);
  lines.push(`Event: ${event.event_id}`);
  return `${lines.join('\n')}\n`;
}

/** ntfy Priority: 5 (max) when something broke, 3 (default) for the rest. */
export function priorityOf(event: NotifyEvent): number {
  return event.kind === 'down' || event.kind === 'degraded' ? 5 : 3;
}

/** ntfy Tags (emoji short codes ntfy shows before the title) and a plain tag for filtering. */
export function tagsOf(event: NotifyEvent): string[] {
  const emoji = {
    down: 'rotating_light',
    degraded: 'warning',
    resolved: 'white_check_mark',
    reminder: 'hourglass',
    test: 'test_tube',
  };
  return [emoji[event.kind], event.kind];
}
