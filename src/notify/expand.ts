import type { ResolvedChannel } from '../config/channels.js';
import { EnvRefError, expandEnvRefs, findEnvRefs, MissingEnvError } from '../config/env-refs.js';

/**
 * A channel's `${NAME}` references expanded for one delivery (target, header values, secret), with
 * the config's grammar (config/env-refs.ts). Done at every delivery, not once at load, so a
 * changed environment (a reloaded env_file) takes effect and the expanded values live only as long
 * as the attempt.
 */
export type ExpandedChannel = ResolvedChannel;

export type Expansion =
  | {
      ok: true;
      channel: ExpandedChannel;
      /** The values that came from the environment, and the webhook secret: never to be shown. */
      secrets: string[];
    }
  | { ok: false; detail: string };

/**
 * Expands `channel` from `env`; each secret value goes to `registerSecret` (the log scrubber) as
 * well as into `secrets`. A missing variable or a malformed reference → `{ ok: false }` with a
 * detail that names the field and the variable, never a value.
 */
export function expandChannel(
  channel: ResolvedChannel,
  env: Readonly<Record<string, string | undefined>>,
  registerSecret: (value: string) => void = () => {},
): Expansion {
  const secrets = new Set<string>();
  const expand = (field: string, text: string): string => {
    try {
      for (const name of findEnvRefs(text)) {
        const value = env[name];
        if (value !== undefined && value !== '') secrets.add(value);
      }
      return expandEnvRefs(text, env);
    } catch (err) {
      if (err instanceof MissingEnvError || err instanceof EnvRefError)
        throw new ExpandError(`channel ${channel.name}: ${field}: ${err.message}`);
      throw err;
    }
  };
  try {
    const target = expand('target', channel.target);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(channel.headers))
      headers[name] = expand(`header ${name}`, value);
    const secret = channel.secret === null ? null : expand('secret', channel.secret);
    // The HMAC key and a URI's password are secrets even when written literally in the file.
    if (secret) secrets.add(secret);
    const password = passwordOf(target);
    if (password) secrets.add(password);
    const found = [...secrets];
    for (const s of found) registerSecret(s);
    return { ok: true, channel: { ...channel, target, headers, secret }, secrets: found };
  } catch (err) {
    if (err instanceof ExpandError) return { ok: false, detail: err.message };
    throw err;
  }
}

class ExpandError extends Error {}

/** The password of a URL target (`smtp://user:pw@host`), decoded; null when there is none. */
function passwordOf(target: string): string | null {
  try {
    const pw = new URL(target).password;
    return pw ? decodeURIComponent(pw) : null;
  } catch {
    return null;
  }
}

/**
 * `text` with every secret replaced by `****` (longest first, so a secret that contains another
 * is masked whole), and the target itself (it may hold secrets written literally, a webhook
 * key in the path) replaced by `replacement`.
 */
export function redact(
  text: string,
  secrets: readonly string[],
  target?: string,
  replacement = '(target)',
): string {
  let out = text;
  if (target && target.length >= 8) out = out.split(target).join(replacement);
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length < 3) continue;
    out = out.split(s).join('****');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join('****');
  }
  return out;
}
