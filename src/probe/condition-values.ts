import type { PathStep, Subject } from '../config/conditions.js';
import type { Observation } from './conditions.js';

/**
 * What a condition's placeholder reads from one probe's observation, and how it is shown. Values
 * that are not there resolve to a Missing saying why; there is one Missing per reason, so that
 * resolving allocates nothing on the probe's hot path.
 */
export class Missing {
  constructor(readonly reason: string) {}
}

const NO_RESPONSE = new Missing('(no response)');
const NO_BODY = new Missing('(no body)');
const NOT_JSON = new Missing('(body is not JSON)');
const NO_PATH = new Missing('(path not found)');
const NO_HEADER = new Missing('(header not found)');
const NOT_HTTPS = new Missing('(not HTTPS)');
const NO_DNS = new Missing('(no DNS lookup)');
const NO_CONNECT = new Missing('(no new connection)');
const NO_TLS = new Missing('(no TLS handshake)');
const NO_IP = new Missing('(no connection)');
const NUMBER_NO_LENGTH = new Missing('(a number has no length)');
const BOOLEAN_NO_LENGTH = new Missing('(a boolean has no length)');
const NULL_NO_LENGTH = new Missing('(null has no length)');

/** Displayed strings are cut here: an observation is a hint, never the whole body. */
const SHOWN_CHARS = 100;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * Each observation's body parsed as JSON (or NOT_JSON), so that several `[BODY].path` conditions
 * parse it once; the entry goes when the observation does.
 */
const parsedBodies = new WeakMap<Observation, unknown>();

/** The value `s` has in `o`, or the Missing that says why there is none. */
export function subjectValue(s: Subject, o: Observation): unknown {
  if (s.kind === 'header') return headerValue(o, s.name);
  if (s.kind === 'json') return jsonValue(o, s.path);
  switch (s.name) {
    case 'STATUS':
      return o.status ?? NO_RESPONSE;
    case 'RESPONSE_TIME':
      return o.responseTimeMs ?? NO_RESPONSE;
    case 'DNS_TIME':
      return o.dnsMs ?? NO_DNS;
    case 'CONNECT_TIME':
      return o.connectMs ?? NO_CONNECT;
    case 'TLS_TIME':
      return o.tlsMs ?? (o.status === null ? NO_TLS : NOT_HTTPS);
    case 'TTFB':
      return o.ttfbMs ?? NO_RESPONSE;
    case 'TRANSFER_TIME':
      return o.transferMs ?? NO_RESPONSE;
    case 'BODY':
      return o.body ?? (o.status === null ? NO_RESPONSE : NO_BODY);
    case 'CERT_EXPIRY':
      return o.certExpiresAt === null ? noCertificate(o) : o.certExpiresAt - o.now;
    case 'CERT_ISSUER':
      return o.certIssuer ?? noCertificate(o);
    case 'IP':
      return o.ip ?? NO_IP;
    case 'BYTES':
      return o.bytesRead;
  }
}

function noCertificate(o: Observation): Missing {
  return o.status === null ? NO_RESPONSE : NOT_HTTPS;
}

function headerValue(o: Observation, name: string): unknown {
  const headers = o.headers;
  if (headers === null) return NO_RESPONSE;
  // hasOwn: a header named like an Object.prototype member ("constructor") must not find it.
  const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (v === undefined) return NO_HEADER;
  return typeof v === 'string' ? v : v.join(', ');
}

function jsonValue(o: Observation, path: readonly PathStep[]): unknown {
  let doc = parsedBodies.get(o);
  if (doc === undefined) {
    if (o.body === null) return o.status === null ? NO_RESPONSE : NO_BODY;
    doc = parseJson(o.body);
    parsedBodies.set(o, doc);
  }
  if (doc === NOT_JSON) return NOT_JSON;
  let at = doc;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return NO_PATH;
      at = at[step];
    } else {
      if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, step))
        return NO_PATH;
      at = (at as Record<string, unknown>)[step];
    }
  }
  return at;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return NOT_JSON;
  }
}

/** len(): characters of a string, items of an array, keys of an object. */
export function lengthOf(v: unknown): number | Missing {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v === null) return NULL_NO_LENGTH;
  if (typeof v === 'object') return Object.keys(v).length;
  return typeof v === 'boolean' ? BOOLEAN_NO_LENGTH : NUMBER_NO_LENGTH;
}

/** The text a regex runs on: strings as they are, other JSON values as JSON. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** The value as shown in a condition's outcome: `200`, `950ms`, `3d 4h`, `"UP"`, `(array of 3)`. */
export function displayValue(s: Subject, v: unknown): string {
  if (s.kind === 'json') return displayJson(v);
  if (s.kind === 'header') return quote(v as string);
  switch (s.name) {
    case 'STATUS':
    case 'BYTES':
      return String(v);
    case 'BODY':
    case 'CERT_ISSUER':
    case 'IP':
      return quote(v as string);
    case 'CERT_EXPIRY':
      return displaySpan(v as number);
    default:
      return displayMs(v as number);
  }
}

function displayJson(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `(array of ${v.length})`;
  if (typeof v === 'object' && v !== null) return '(object)';
  return String(v);
}

function quote(s: string): string {
  return JSON.stringify(s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}…` : s);
}

/** A phase's time: whole ms, a tenth below 10 ms (local phases take fractions of one). */
function displayMs(ms: number): string {
  return `${ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms)}ms`;
}

/** A certificate's time left in its two largest units: `3d 4h`, `5h 12m`, `-2d 1h` once expired. */
export function displaySpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  const seconds = Math.floor((rest - minutes * MINUTE) / 1000);
  if (days > 0) return `${sign}${days}d ${hours}h`;
  if (hours > 0) return `${sign}${hours}h ${minutes}m`;
  if (minutes > 0) return `${sign}${minutes}m ${seconds}s`;
  return `${sign}${seconds}s`;
}
