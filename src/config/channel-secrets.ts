import { registerSecret } from '../log/secrets.js';
import { isWholeEnvRef } from './env-refs.js';
import { SECRET_MASK } from './service-secrets.js';
import type { AlertChannelConfig } from './types.js';
import { MASK, maskUri, registerUriSecrets, uriSecrets } from './uri.js';

/**
 * The secrets of a notification channel: the target's URI password (an SMTP login, a URL's
 * userinfo, a `password=` parameter: maskUri's rule, `****`), the webhook HMAC `secret` and every
 * header value (`***`, as a service's). A value that is exactly one `${NAME}` reference is shown:
 * the file holds no secret then. A command's argv is shown as written (put secrets in ${} there).
 */

const masked = (v: string): string => (isWholeEnvRef(v) ? v : SECRET_MASK);

/** A copy of `c` fit to show or export. */
export function maskChannelSecrets(c: AlertChannelConfig): AlertChannelConfig {
  const out: AlertChannelConfig = { ...c };
  if (typeof c.target === 'string' && c.type !== 'command') out.target = maskUri(c.target);
  if (typeof c.secret === 'string') out.secret = masked(c.secret);
  if (c.headers && typeof c.headers === 'object') {
    out.headers = Object.fromEntries(
      Object.entries(c.headers).map(([n, v]) => [n, typeof v === 'string' ? masked(v) : v]),
    );
  }
  return out;
}

/** Every channel masked, by name (undefined stays undefined, so an export keeps the file's keys). */
export function maskChannels(
  alerts: Record<string, AlertChannelConfig> | undefined,
): Record<string, AlertChannelConfig> | undefined {
  if (alerts === undefined || typeof alerts !== 'object' || alerts === null) return alerts;
  return Object.fromEntries(
    Object.entries(alerts).map(([name, c]) => [
      name,
      typeof c === 'object' && c !== null ? maskChannelSecrets(c) : c,
    ]),
  );
}

/** Register a channel's literal secrets with the scrubber, so no message can print them. */
export function registerChannelSecrets(c: AlertChannelConfig): void {
  if (typeof c !== 'object' || c === null) return;
  if (typeof c.target === 'string' && c.type !== 'command') registerUriSecrets(c.target);
  const values = [c.secret, ...Object.values(c.headers ?? {})];
  for (const v of values) if (typeof v === 'string' && !isWholeEnvRef(v)) registerSecret(v);
}

/**
 * `next` (channels of a document to import) with each masked value (exactly what
 * maskChannelSecrets shows) taken from the current channel of the same name when that one shows
 * the same; the values that could not be completed, as `alerts.NAME: FIELD`.
 */
export function restoreChannelSecrets(
  current: Record<string, AlertChannelConfig> | undefined,
  next: Record<string, AlertChannelConfig> | undefined,
): { alerts: Record<string, AlertChannelConfig> | undefined; unknown: string[] } {
  if (next === undefined || typeof next !== 'object' || next === null) return { alerts: next, unknown: [] };
  const unknown: string[] = [];
  const alerts = Object.fromEntries(
    Object.entries(next).map(([name, c]) => {
      if (typeof c !== 'object' || c === null) return [name, c];
      const have = current?.[name];
      const shown = have === undefined ? undefined : maskChannelSecrets(have);
      const keep = (field: string, value: unknown, haveValue: unknown, haveShown: unknown): unknown => {
        const isMasked =
          typeof value === 'string' &&
          (field === 'target' ? uriSecrets(value).includes(MASK) : value === SECRET_MASK);
        if (!isMasked) return value;
        if (typeof haveValue === 'string' && haveShown === value) return haveValue;
        unknown.push(`alerts.${name}: ${field}`);
        return value;
      };
      const out: AlertChannelConfig = { ...c };
      if (c.type !== 'command') out.target = keep('target', c.target, have?.target, shown?.target) as string;
      if (c.secret !== undefined)
        out.secret = keep('secret', c.secret, have?.secret, shown?.secret) as string;
      if (c.headers && typeof c.headers === 'object') {
        out.headers = Object.fromEntries(
          Object.entries(c.headers).map(([n, v]) => [
            n,
            keep(`header ${n}`, v, have?.headers?.[n], shown?.headers?.[n]),
          ]),
        ) as Record<string, string>;
      }
      return [name, out];
    }),
  );
  return { alerts, unknown };
}
