import { AbortedError, errorCode } from '../errors.js';
import type { ErrorClass } from '../results/types.js';

/** Where a probe was when it failed; turns a bare deadline into a useful message. */
export type ProbePhase = 'dns' | 'connect' | 'tls' | 'response' | 'body' | 'regex';

/** The abort reason of a probe's own deadline (the service timeout). */
export class ProbeDeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms exceeded`);
    this.name = 'ProbeDeadlineError';
  }
}

/** The message of the AbortedError a probe ends with when the shutdown signal fires. */
export const SHUTDOWN_ABORT = 'probe aborted by shutdown';

/** A regex match that ran past its budget (regex-isolate.ts), or could not be queued for one. */
export class RegexTimeoutError extends Error {
  readonly code = 'E_REGEX_TIMEOUT';
  constructor(
    readonly budgetMs: number,
    why = `the regex did not finish within its budget of ${budgetMs} ms`,
  ) {
    super(why);
    this.name = 'RegexTimeoutError';
  }
}

export interface Classified {
  errorClass: ErrorClass;
  message: string;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const PROTOCOL_CODES = new Set([
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
  'UND_ERR_INFO',
  'UND_ERR_NOT_SUPPORTED',
  'HPE_HEADER_OVERFLOW',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ESERVFAIL', 'ENODATA']);

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('SELF_SIGNED') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'EPROTO' ||
    code === 'ERR_OSSL_EVP_UNSUPPORTED'
  );
}

const PHASE_TEXT: Record<ProbePhase, string> = {
  dns: 'resolving the host name',
  connect: 'connecting (TCP connect not established)',
  tls: 'in the TLS handshake',
  response: 'waiting for the response headers',
  body: 'reading the body',
  regex: 'matching the regex',
};

/** The error and its causes, outermost first (undici wraps socket errors in SocketError etc.). */
function chain(err: Error): Error[] {
  const out: Error[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 5) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

/**
 * Maps a failure to an error class. The message always carries the most specific code found
 * (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, CERT_HAS_EXPIRED …) so a user can search for it, and
 * never starts with its class: the class is stored and shown next to it (`timeout: deadline of …`),
 * so a message that repeated it would read `timeout: timeout: …`.
 */
export function classifyError(err: Error, phase: ProbePhase): Classified {
  const c = classify(err, phase);
  return { errorClass: c.errorClass, message: withoutClassPrefix(c.errorClass, c.message) };
}

/**
 * Drops the class word a lower layer put first: a label ("DNS: no addresses for …") or Node's
 * syscall before an error code ("connect ECONNREFUSED 127.0.0.1:9"). Prose such as undici's
 * "Redirect loop detected" stays as written.
 */
function withoutClassPrefix(errorClass: ErrorClass, message: string): string {
  const stripped = message
    .replace(new RegExp(`^${errorClass}:\\s*`, 'i'), '')
    .replace(new RegExp(`^${errorClass}\\s+(?=E[A-Z_]+\\b)`), '');
  return stripped === '' ? message : stripped;
}

function classify(err: Error, phase: ProbePhase): Classified {
  const errors = chain(err);
  const codes = errors.map((e) => errorCode(e)).filter((c): c is string => c !== undefined);
  const detail = (code: string | undefined) => {
    const msg = errors.map((e) => e.message).find((m) => m && m !== code) ?? err.name;
    return code ? `${msg} (${code})` : msg;
  };

  if (err instanceof RegexTimeoutError) {
    return {
      errorClass: 'regex_timeout',
      message: `${err.message}; the match was stopped (E_REGEX_TIMEOUT)`,
    };
  }
  if (err instanceof ProbeDeadlineError && phase === 'regex') {
    // The probe's time ran out inside the match: the regex, not the service, was slow.
    return {
      errorClass: 'regex_timeout',
      message: `the regex did not finish before the deadline of ${err.timeoutMs} ms; the match was stopped (E_REGEX_TIMEOUT)`,
    };
  }
  if (err instanceof ProbeDeadlineError) {
    return {
      errorClass: phase === 'dns' ? 'dns' : 'timeout',
      message: `deadline of ${err.timeoutMs} ms passed while ${PHASE_TEXT[phase]} (ETIMEDOUT)`,
    };
  }
  if (err instanceof AbortedError) return { errorClass: 'other', message: `${err.message} (E_ABORTED)` };
  if (errors.some((e) => (e as { dns?: unknown }).dns === true)) {
    return { errorClass: 'dns', message: detail(codes[0]) };
  }
  if (errors.some((e) => e.name === 'HTTPParserError')) {
    // undici leaves `code` unset for some parser errors (a response that is not HTTP at all).
    return { errorClass: 'protocol', message: `invalid HTTP response: ${detail(codes[0] ?? 'HPE_INVALID')}` };
  }
  if (errors.some((e) => /redirect/i.test(e.message))) {
    // undici's redirect handler: "Redirect loop detected" (UND_ERR_INVALID_ARG), "max redirects".
    // Keep undici's first sentence only: the rest is advice about its Client/Pool, not ours.
    const first = errors.find((e) => /redirect/i.test(e.message))!.message.split('. ')[0];
    return { errorClass: 'redirect', message: `${first} (${codes[0] ?? 'E_REDIRECT'})` };
  }
  // Innermost code first: SocketError('other side closed') may wrap an ECONNRESET or a TLS code.
  for (const code of [...codes].reverse()) {
    if (isTlsCode(code)) return { errorClass: 'tls', message: detail(code) };
    if (DNS_CODES.has(code)) return { errorClass: 'dns', message: detail(code) };
    if (CONNECT_CODES.has(code)) return { errorClass: 'connect', message: detail(code) };
    if (TIMEOUT_CODES.has(code)) {
      const msg = errors.map((e) => e.message).find((m) => m && m !== code) ?? err.name;
      return { errorClass: 'timeout', message: `${msg} while ${PHASE_TEXT[phase]} (${code})` };
    }
    if (code.startsWith('HPE_') || PROTOCOL_CODES.has(code)) {
      return { errorClass: 'protocol', message: `invalid HTTP response: ${detail(code)}` };
    }
    if (RESET_CODES.has(code)) return { errorClass: 'reset', message: detail(code) };
  }
  return { errorClass: 'other', message: detail(codes[0]) };
}
