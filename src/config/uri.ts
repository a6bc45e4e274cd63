/**
 * URI helpers: PostgreSQL URI validation, and the one masking rule for every URI or URL the tool
 * shows, logs or stores (the remote database URI and service URLs alike).
 */
import { registerSecret } from '../log/secrets.js';

export interface ParsedPgUri {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

/** Shown instead of a secret. */
export const MASK = '****';

/**
 * Query parameters that carry a secret: libpq and pg read `password`, `sslpassword` and `sslkey`
 * (a key's path, which says where the key is) from the query string as well as from userinfo.
 * Matched without regard to case, so a spelling pg ignores is masked too rather than shown.
 */
const SECRET_PARAMS = new Set(['password', 'sslpassword', 'sslkey']);

/** decodeURIComponent that says which part was malformed instead of throwing "URI malformed". */
export function decodePart(text: string, part: string): string | { error: string } {
  try {
    return decodeURIComponent(text);
  } catch {
    return { error: `the ${part} is not valid percent-encoding (write a literal % as %25)` };
  }
}

/** Parse and check a postgres:// or postgresql:// URI; returns an error message instead of throwing. */
export function parsePgUri(uri: string): ParsedPgUri | string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'not a valid URI (expected postgresql://user:password@host:port/database)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    return `scheme must be postgres:// or postgresql://, got ${u.protocol}//`;
  }
  if (!u.hostname) return 'the URI has no host';
  const port = u.port ? Number(u.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port ${u.port}`;
  // pg decodes these three with decodeURIComponent and would throw a bare "URI malformed".
  const user = decodePart(u.username, 'user name');
  if (typeof user !== 'string') return user.error;
  const password = decodePart(u.password, 'password');
  if (typeof password !== 'string') return password.error;
  const database = decodePart(u.pathname.replace(/^\//, ''), 'database name');
  if (typeof database !== 'string') return database.error;
  if (!database) return 'the URI names no database (add /dbname)';
  if (database.includes('/')) return `invalid database name ${database}`;
  return { user, password, host: u.hostname, port, database };
}

/**
 * The URI with every secret replaced by ****: the userinfo password and the values of the
 * `password`, `sslpassword` and `sslkey` query parameters. A URI without secrets is returned
 * exactly as written (service keys are hashed from this, so theirs stay what they were); an
 * unparsable one has its userinfo and secret parameters masked by pattern.
 */
export function maskUri(uri: string): string;
export function maskUri(uri: string | null | undefined): string;
export function maskUri(uri: string | null | undefined): string {
  if (!uri) return 'None';
  // Nothing to mask without userinfo or a query, and parsing a URL costs microseconds that add up
  // at 10,000 services (the labels of /metrics, the live view).
  if (!uri.includes('@') && !uri.includes('?') && !uri.includes('&')) return uri;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return uri
      .replace(/\/\/[^@/?#]*@/, `//${MASK}@`)
      .replace(/([?&](?:ssl)?(?:password|key)=)[^&#]*/gi, `$1${MASK}`);
  }
  let changed = false;
  if (u.password) {
    u.password = MASK;
    changed = true;
  }
  for (const key of new Set(u.searchParams.keys())) {
    if (SECRET_PARAMS.has(key.toLowerCase())) {
      u.searchParams.set(key, MASK);
      changed = true;
    }
  }
  return changed ? u.toString() : uri;
}

/** Every secret in a URI, as written and decoded, so that scrub() catches either spelling. */
export function uriSecrets(uri: string | null | undefined): string[] {
  if (!uri) return [];
  const out: string[] = [];
  try {
    const u = new URL(uri);
    if (u.password) out.push(u.password);
    for (const [key, value] of u.searchParams) if (SECRET_PARAMS.has(key.toLowerCase())) out.push(value);
  } catch {
    const m = /\/\/[^:@/?#]*:([^@/?#]+)@/.exec(uri);
    if (m?.[1]) out.push(m[1]);
  }
  for (const raw of [...out]) {
    const decoded = decodePart(raw, '');
    if (typeof decoded === 'string' && decoded !== raw) out.push(decoded);
  }
  return out;
}

/** Register every secret of a URI with the output scrubber (src/log/secrets.ts). */
export function registerUriSecrets(uri: string | null | undefined): void {
  for (const s of uriSecrets(uri)) registerSecret(s);
}

/**
 * A service URL split for the request: the URL without userinfo, and the HTTP Basic
 * Authorization header its userinfo stands for (the original's httpx sent it the same way,
 * percent-decoded, UTF-8). undici would otherwise drop the userinfo silently.
 */
export function splitCredentials(url: string): { url: string; authorization: string | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, authorization: null };
  const decode = (s: string) => {
    const d = decodePart(s, '');
    return typeof d === 'string' ? d : s;
  };
  const token = Buffer.from(`${decode(u.username)}:${decode(u.password)}`, 'utf8').toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${token}` };
}
