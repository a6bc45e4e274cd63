import { isIP } from 'node:net';
import { findEnvRefs, isWholeEnvRef } from './env-refs.js';
import { SECRET_MASK } from './service-secrets.js';
import type { HttpSettings } from './types.js';
import { preview } from './url-check.js';

/**
 * The value rules of the `http` section (the live view's server) and the one parser of a listen
 * address, shared by the config and `monitor start --http`.
 */

export interface ListenAddress {
  /** As node:net wants it: an IPv6 address without brackets. */
  host: string;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** HOST:PORT or [IPv6]:PORT (port 0..65535; 0 = any free port), or a one-line message. */
export function parseListen(text: string): ListenAddress | string {
  const bad = `listen address must be HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:9464, got '${preview(text, 60)}'`;
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return bad;
  const host = m[1] as string;
  const port = Number(m[2]);
  if (port > 65535) return `listen port must be 0..65535, got ${m[2]}`;
  const bracketed = text.startsWith('[');
  if (bracketed && isIP(host) !== 6) return bad;
  if (!bracketed && isIP(host) !== 4 && !HOSTNAME.test(host)) return bad;
  return { host, port };
}

/** 127.0.0.0/8, ::1 and `localhost`: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  // An IPv4-mapped loopback (::ffff:127.0.0.1).
  return /^::ffff:127\./.test(h);
}

/** Every problem of the `http` section, one line each. */
export function httpProblems(http: HttpSettings | undefined): string[] {
  if (http === undefined) return [];
  const problems: string[] = [];
  if (http.enabled !== undefined && typeof http.enabled !== 'boolean') {
    problems.push('http.enabled must be true or false');
  }
  if (http.listen !== undefined) {
    const parsed = typeof http.listen === 'string' ? parseListen(http.listen) : 'must be a string';
    if (typeof parsed === 'string') problems.push(`http.listen: ${parsed}`);
  }
  if (http.public !== undefined && typeof http.public !== 'boolean') {
    problems.push('http.public must be true or false');
  }
  const token = http.token;
  if (token !== undefined && token !== null) {
    // Never quote the value: it is a secret.
    if (typeof token !== 'string') problems.push('http.token must be a string or null');
    else if (token.trim() === '') problems.push('http.token must not be empty (leave it out for none)');
    else {
      try {
        findEnvRefs(token);
      } catch (err) {
        problems.push(`http.token: ${(err as Error).message}`);
      }
      if (!isWholeEnvRef(token) && token.length < 16) {
        problems.push('http.token must be at least 16 characters (or a ${NAME} reference)');
      }
    }
  }
  return problems;
}

/** The token as `config show/export` prints it: a `${NAME}` reference shown, a literal masked. */
export function maskHttpSettings(http: HttpSettings | undefined): HttpSettings | undefined {
  if (http === undefined || typeof http !== 'object' || http === null) return http;
  const t = http.token;
  if (typeof t !== 'string' || isWholeEnvRef(t)) return http;
  return { ...http, token: SECRET_MASK };
}
