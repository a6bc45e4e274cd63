import { closeSync, openSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { toError } from '../errors.js';
import { expandEnvRefs, findEnvRefs, MissingEnvError } from './env-refs.js';
import { describeFsError, expandPath } from './paths.js';
import { BODY_MAX_BYTES, SERVICE_PATH_FIELDS, type ServiceConfig } from './types.js';

/**
 * The value rules of a service's request options (headers, body, auth, mTLS, server_name). Like
 * validate.ts, each check returns one line naming the field, or null. Messages never quote a
 * header value, a body, a password or a token: they may be secrets.
 */

export interface RequestCheckContext {
  /** Relative paths are resolved against it: the config file's directory. Default: the cwd. */
  baseDir?: string;
  /** `${NAME}` in paths is expanded with it to check the file. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\r\n\0]/;
/**
 * Headers the HTTP client owns: framing and connection management (hop-by-hop, RFC 9110 7.6.1),
 * which undici sets itself or refuses. `Host` is allowed (and is what `server_name` sets).
 */
const FORBIDDEN_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;

/** Every field that may hold `${NAME}` references, with the name messages use for it. */
export function envRefFields(s: ServiceConfig): [string, string][] {
  const fields: [string, string][] = Object.entries(s.headers ?? {}).map(([n, v]) => [`header ${n}`, v]);
  for (const f of ['body', 'basic_auth', 'bearer', ...SERVICE_PATH_FIELDS] as const) {
    const v = s[f];
    if (typeof v === 'string') fields.push([f, v]);
  }
  return fields;
}

/** The first malformed `${…}` reference, naming its field. */
function envRefProblem(s: ServiceConfig): string | null {
  for (const [field, text] of envRefFields(s)) {
    try {
      findEnvRefs(text);
    } catch (err) {
      return `${field}: ${toError(err).message}`;
    }
  }
  return null;
}

/** The variables the service refers to that `env` lacks, each once, in field order. */
export function missingEnvRefs(
  s: ServiceConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const missing = new Set<string>();
  for (const [, text] of envRefFields(s)) {
    for (const name of findEnvRefs(text)) if (env[name] === undefined) missing.add(name);
  }
  return [...missing];
}

function headersProblem(s: ServiceConfig): string | null {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(s.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) return `header name '${name.slice(0, 40)}' is not a valid HTTP token`;
    if (FORBIDDEN_HEADERS.has(lower)) {
      return `header ${name} cannot be set: the HTTP client manages it (refused: Connection, Content-Length, Transfer-Encoding and other hop-by-hop headers)`;
    }
    if (CONTROL.test(value)) return `header ${name}: the value must not contain CR, LF or NUL`;
    if (seen.has(lower)) return `header ${name} is given twice (header names ignore case)`;
    seen.add(lower);
  }
  const conflicts: [string, boolean, string][] = [
    ['authorization', s.basic_auth != null || s.bearer != null, 'basic_auth or bearer'],
    ['host', s.server_name != null, 'server_name'],
    ['content-type', s.content_type != null, 'content_type'],
  ];
  for (const [header, clash, field] of conflicts) {
    if (clash && seen.has(header))
      return `a ${header} header cannot be combined with ${field}, which sets it`;
  }
  return null;
}

/**
 * A path field's file: present, a regular file, readable, at most `maxBytes`. A path whose
 * `${NAME}` cannot be expanded here is not checked (add/update warn about the variable instead).
 */
function fileProblem(field: string, raw: string, ctx: RequestCheckContext, maxBytes?: number): string | null {
  let path: string;
  try {
    path = expandPath(expandEnvRefs(raw, ctx.env ?? process.env), ctx.baseDir ?? process.cwd());
  } catch (err) {
    if (err instanceof MissingEnvError) return null;
    return `${field}: ${toError(err).message}`;
  }
  try {
    const st = statSync(path);
    if (!st.isFile()) return `${field} ${path} is not a regular file`;
    if (maxBytes !== undefined && st.size > maxBytes) {
      return `${field} ${path} is ${st.size} bytes; at most ${maxBytes} are allowed`;
    }
    closeSync(openSync(path, 'r'));
  } catch (err) {
    return `cannot read ${field} ${path}: ${describeFsError(err)}`;
  }
  return null;
}

function bodyProblem(s: ServiceConfig, ctx: RequestCheckContext): string | null {
  const hasBody = s.body != null || s.body_file != null;
  if (s.body != null && s.body_file != null) return 'body and body_file cannot both be set; pick one';
  if (hasBody && (s.method === 'GET' || s.method === 'HEAD')) {
    return `a request body cannot be sent with ${s.method}; use POST, PUT, PATCH, DELETE or OPTIONS`;
  }
  if (s.body != null && Buffer.byteLength(s.body) > BODY_MAX_BYTES) {
    return `body is ${Buffer.byteLength(s.body)} bytes; at most ${BODY_MAX_BYTES} are allowed (use body_file?)`;
  }
  if (s.body_file != null) {
    const problem = fileProblem('body_file', s.body_file, ctx, BODY_MAX_BYTES);
    if (problem) return problem;
  }
  if (s.content_type != null) {
    if (CONTROL.test(s.content_type) || !MEDIA_TYPE.test(s.content_type)) {
      return `content_type must look like type/subtype, e.g. application/json, got '${s.content_type.slice(0, 40).replace(CONTROL, ' ')}'`;
    }
    if (!hasBody) return 'content_type describes a body: set body or body_file too';
  }
  return null;
}

function authProblem(s: ServiceConfig): string | null {
  if (s.basic_auth != null) {
    const colon = s.basic_auth.indexOf(':');
    if (colon < 0) return "basic_auth must be USER:PASSWORD (no ':' in it)";
    if (colon === 0) return 'basic_auth must be USER:PASSWORD with a user name (the user is empty)';
    if (CONTROL.test(s.basic_auth)) return 'basic_auth must not contain CR, LF or NUL';
    if (s.bearer != null) return 'basic_auth and bearer cannot both be set; pick one';
    let u: URL | null = null;
    try {
      u = new URL(s.url);
    } catch {
      // checkUrl reports a bad URL.
    }
    if (u && (u.username !== '' || u.password !== '')) {
      return 'basic_auth cannot be combined with credentials in the URL; remove one';
    }
  }
  if (s.bearer != null) {
    if (s.bearer.trim() === '') return 'bearer must not be empty';
    if (CONTROL.test(s.bearer)) return 'bearer must not contain CR, LF or NUL';
  }
  return null;
}

function tlsProblem(s: ServiceConfig, ctx: RequestCheckContext): string | null {
  if ((s.client_cert == null) !== (s.client_key == null)) {
    return 'client_cert and client_key go together: set both or neither';
  }
  const https = /^https:/i.test(s.url);
  for (const field of ['client_cert', 'client_key', 'ca_file'] as const) {
    const path = s[field];
    if (path == null) continue;
    if (!https) return `${field} applies to https:// URLs only; this service's URL is not https`;
    const problem = fileProblem(field, path, ctx);
    if (problem) return problem;
  }
  if (s.server_name != null) {
    const name = s.server_name.replace(/\.$/, '');
    const labels = name.split('.');
    if (
      name.length === 0 ||
      name.length > 253 ||
      isIP(name) !== 0 ||
      !labels.every((l) => LABEL.test(l)) ||
      /^\d+$/.test(labels[labels.length - 1] ?? '')
    ) {
      return `server_name must be a DNS host name (not an IP address), got '${s.server_name.slice(0, 60).replace(CONTROL, ' ')}'`;
    }
  }
  return null;
}

/** A value rule with the fields it reads: a rule is skipped when one of them has the wrong shape. */
export type ServiceRule = [fields: readonly string[], rule: () => string | null];

/**
 * The request-option rules of one service, in order, for validate.ts to list every problem (each
 * rule gives its first). The fields are those a rule reads, so parse.ts's wrong shapes skip it.
 */
export function requestOptionRules(s: ServiceConfig, ctx: RequestCheckContext = {}): ServiceRule[] {
  return [
    [['headers', 'body', 'basic_auth', 'bearer', ...SERVICE_PATH_FIELDS], () => envRefProblem(s)],
    [['headers', 'basic_auth', 'bearer', 'server_name', 'content_type'], () => headersProblem(s)],
    [['basic_auth', 'bearer'], () => authProblem(s)],
    [['method', 'body', 'body_file', 'content_type'], () => bodyProblem(s, ctx)],
    [['url', 'client_cert', 'client_key', 'ca_file', 'server_name'], () => tlsProblem(s, ctx)],
  ];
}

/** The first problem the rules find, in order (later rules are not run), or null. */
export function firstProblem(rules: readonly ServiceRule[]): string | null {
  for (const [, rule] of rules) {
    const problem = rule();
    if (problem) return problem;
  }
  return null;
}

/** Every request-option rule for one service; the first problem found, or null. */
export function checkRequestOptions(s: ServiceConfig, ctx: RequestCheckContext = {}): string | null {
  return firstProblem(requestOptionRules(s, ctx));
}
