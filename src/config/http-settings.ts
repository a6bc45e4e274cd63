import { ConfigError, UsageError } from '../errors.js';
import { registerSecret } from '../log/secrets.js';
import { expandEnvRefs } from './env-refs.js';
import { isLoopback, parseListen } from './http-validate.js';
import { HTTP_DEFAULTS, type HttpSettings } from './types.js';

/** What `monitor start` says about HTTP for one run; each field left out keeps the config's. */
export interface HttpOverrides {
  /** `--http ADDR:PORT`. */
  listen?: string;
  /** `--no-http`. */
  disabled?: boolean;
  /** `--http-public`. */
  public?: boolean;
}

export type ResolvedHttp =
  | { enabled: false }
  | {
      enabled: true;
      host: string;
      port: number;
      /** As written, for messages. */
      listen: string;
      /** Expanded; registered with the log scrubber. */
      token: string | null;
      public: boolean;
    };

/**
 * The HTTP settings of one run: the config, then the flags. Refuses (exit 2, one line) a listen
 * address beyond loopback without a token unless public mode was asked for explicitly (the
 * `--http-public` flag or `http.public: true` in the file): the page and the API show every URL.
 * `env` fills a `${NAME}` token (the daemon's environment over the env_file).
 */
export function resolveHttp(
  http: HttpSettings | undefined,
  overrides: HttpOverrides,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedHttp {
  if (overrides.disabled) return { enabled: false };
  if (overrides.listen === undefined && (http?.enabled ?? HTTP_DEFAULTS.enabled) === false) {
    return { enabled: false };
  }
  const listen = overrides.listen ?? http?.listen ?? HTTP_DEFAULTS.listen;
  const parsed = parseListen(listen);
  if (typeof parsed === 'string') {
    throw overrides.listen === undefined
      ? new ConfigError(`http.listen: ${parsed}`)
      : new UsageError(`--http: ${parsed}`);
  }
  let token: string | null = null;
  if (typeof http?.token === 'string') {
    try {
      token = expandEnvRefs(http.token, env);
    } catch (err) {
      throw new ConfigError(`http.token: ${(err as Error).message}`);
    }
    if (token === '') throw new ConfigError('http.token is empty once expanded');
    registerSecret(token);
  }
  const isPublic = overrides.public === true || http?.public === true;
  if (!isLoopback(parsed.host) && token === null && !isPublic) {
    throw new UsageError(
      `refusing to serve HTTP on ${listen} without a token: set http.token, or pass --http-public to share it without one`,
    );
  }
  return { enabled: true, host: parsed.host, port: parsed.port, listen, token, public: isPublic };
}
