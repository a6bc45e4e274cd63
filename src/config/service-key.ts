import { createHash } from 'node:crypto';
import type { ServiceConfig } from './types.js';
import { maskUri } from './uri.js';

/**
 * A service's stable identity: the fields that make two services "the same" in the original
 * (url, method, check_regex, regex). Used for dedupe keys, phases and the remote `service_key`
 * column; interval and timeout changes keep the key, so a reload keeps the service's history.
 * Hashed from the masked URL: a password changes no key and cannot be guessed from one, and a URL
 * without credentials hashes exactly as before.
 */
export function serviceKey(s: Pick<ServiceConfig, 'url' | 'method' | 'check_regex' | 'regex'>): string {
  return createHash('sha256')
    .update(`${s.method}\n${maskUri(s.url)}\n${s.check_regex ? 1 : 0}\n${s.regex ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}
