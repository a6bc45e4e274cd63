import { registerSecret } from '../log/secrets.js';
import { isWholeEnvRef } from './env-refs.js';
import type { ServiceConfig } from './types.js';

/**
 * The secrets of a service's request options: every header value, the basic_auth password and the
 * bearer token. Shown as `***`, unless the value is exactly one `${NAME}` reference (then the file
 * holds no secret, and the name tells the reader where the value comes from).
 */
export const SECRET_MASK = '***';

const masked = (v: string): string => (isWholeEnvRef(v) ? v : SECRET_MASK);

/** A copy of `s` fit to show: secrets masked as above, everything else as written. */
export function maskServiceSecrets(s: ServiceConfig): ServiceConfig {
  const out: ServiceConfig = { ...s };
  if (s.headers) {
    out.headers = Object.fromEntries(Object.entries(s.headers).map(([n, v]) => [n, masked(v)]));
  }
  if (typeof s.basic_auth === 'string') {
    const colon = s.basic_auth.indexOf(':');
    out.basic_auth =
      colon < 0 ? SECRET_MASK : `${s.basic_auth.slice(0, colon)}:${masked(s.basic_auth.slice(colon + 1))}`;
  }
  if (typeof s.bearer === 'string') out.bearer = masked(s.bearer);
  return out;
}

/** Header names whose values are scrubbed from every message (see registerServiceSecrets). */
const SECRET_HEADER = /auth|token|key|secret|cookie|pass|session|credential|signature/i;

/**
 * Register the literal secrets so that no log line or error message can print them. Of the headers,
 * only those named like a secret: registering `Accept: application/json` would scrub every
 * mention of application/json from the log.
 */
export function registerServiceSecrets(s: ServiceConfig): void {
  const headers = Object.entries(s.headers ?? {}).filter(([n]) => SECRET_HEADER.test(n));
  const values = [...headers.map(([, v]) => v), s.bearer];
  if (typeof s.basic_auth === 'string') values.push(s.basic_auth.slice(s.basic_auth.indexOf(':') + 1));
  for (const v of values) if (typeof v === 'string' && !isWholeEnvRef(v)) registerSecret(v);
}
