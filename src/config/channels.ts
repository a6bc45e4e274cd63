import { LIMITS } from './limits.js';
import type { ChannelType, MonitorConfig } from './types.js';

/**
 * A notification channel as the notifier uses it: defaults applied. Strings keep their `${NAME}`
 * references unexpanded; the notifier expands them at each delivery (src/notify/expand.ts).
 */
export interface ResolvedChannel {
  name: string;
  type: ChannelType;
  /** URL, SMTP URI or command argv, as written. */
  target: string;
  headers: Readonly<Record<string, string>>;
  /** webhook HMAC key, as written; null = unsigned. */
  secret: string | null;
  timeoutMs: number;
}

/** Every channel of a validated config, by name. */
export function resolveChannels(config: MonitorConfig): Map<string, ResolvedChannel> {
  const out = new Map<string, ResolvedChannel>();
  for (const [name, c] of Object.entries(config.alerts ?? {})) {
    out.set(name, {
      name,
      type: c.type,
      target: c.target,
      headers: { ...(c.headers ?? {}) },
      secret: c.secret ?? null,
      timeoutMs: Math.round((c.timeout ?? LIMITS['alerts.timeout'].default) * 1000),
    });
  }
  return out;
}
