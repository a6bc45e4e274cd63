import { parseDurationField, parseFailureWindow, REMIND_MIN_MS } from './alert-rules.js';
import { findEnvRefs } from './env-refs.js';
import { checkLimit } from './limits.js';
import type { ServiceRule } from './request-options.js';
import {
  type AlertChannelConfig,
  type AlertingSettings,
  CHANNEL_TYPES,
  type ChannelType,
  type ServiceConfig,
} from './types.js';
import { maskUri } from './uri.js';
import { checkUrl, preview } from './url-check.js';

/**
 * The value rules of alerting: channels (`alerts`), the `alerting` settings and a service's alert
 * fields. Like validate.ts, each check gives one line naming the value, or null; a message never
 * quotes a secret, a header value or a URI's password.
 */

/** A channel or window name: it goes into dedupe keys and command lines, so plain characters only. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTROL = /[\r\n\0]/;
const HTTP_TYPES: ReadonlySet<string> = new Set(['webhook', 'slack', 'discord', 'teams', 'ntfy']);
const ADDRESS = /^[^\s@,<>]+@[^\s@,<>]+$/;

export function checkName(what: string, name: string): string | null {
  return NAME.test(name)
    ? null
    : `${what} name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got '${preview(name, 40)}'`;
}

export function isChannelType(v: unknown): v is ChannelType {
  return typeof v === 'string' && (CHANNEL_TYPES as readonly string[]).includes(v);
}

export function channelTypeMessage(v: unknown): string {
  return `type must be one of ${CHANNEL_TYPES.join(', ')}, got ${typeof v === 'string' ? `'${preview(v, 20)}'` : JSON.stringify(v)}`;
}

/** `text` with each `${NAME}` made a plain word, so the URL rules judge the rest (refs checked first). */
const withoutRefs = (text: string): string => text.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x');

/** The argv a `command` target stands for: a JSON array of strings, or words split on whitespace. */
export function commandArgv(target: string): string[] | string {
  if (target.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(target);
    } catch {
      return 'a command target that starts with [ must be a JSON array of strings';
    }
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
      return 'a command target that starts with [ must be a JSON array of strings';
    }
    if (parsed.length === 0 || parsed[0] === '') return 'the command is empty: name a program';
    return parsed;
  }
  const words = target.split(/\s+/).filter((w) => w !== '');
  return words.length === 0 ? 'the command is empty: name a program' : words;
}

/** smtp://[user:pass@]host[:port]?from=a@b&to=c@d,e@f (smtps:// for implicit TLS). */
export function smtpProblem(target: string): string | null {
  const shown = preview(maskUri(target));
  if (!/^smtps?:\/\//i.test(target)) {
    return `target of an email channel must start with smtp:// or smtps://, got '${shown}'`;
  }
  // Checked on the text: a URL parser refuses `smtp://:587` with no word on why.
  if (/^smtps?:\/\/(?:[^@/?#]*@)?(?:[/?#:]|$)/i.test(target)) return `SMTP URI without host: '${shown}'`;
  let u: URL;
  try {
    u = new URL(withoutRefs(target));
  } catch {
    return `target must be an SMTP URI smtp://user:password@host:port?from=…&to=…, got '${shown}'`;
  }
  if (u.port === '0') return `SMTP URI port must be 1..65535, got 0`;
  const to = (u.searchParams.get('to') ?? '').split(',').map((a) => a.trim());
  if (to.every((a) => a === '')) return 'SMTP URI needs ?to=ADDRESS[,ADDRESS…] (the recipients)';
  const bad = to.find((a) => !ADDRESS.test(a));
  if (bad !== undefined) return `SMTP URI: to: '${preview(bad, 60)}' is not an e-mail address`;
  const from = u.searchParams.get('from');
  if (from === null || from === '') return 'SMTP URI needs ?from=ADDRESS (the sender)';
  if (!ADDRESS.test(from)) return `SMTP URI: from: '${preview(from, 60)}' is not an e-mail address`;
  return null;
}

/** The target's rule for the channel's type (the type itself is checked before). */
export function targetProblem(type: ChannelType, target: string): string | null {
  if (target.trim() === '') return 'target must not be empty';
  if (type === 'email') return smtpProblem(target);
  if (type === 'command') {
    const argv = commandArgv(target);
    return typeof argv === 'string' ? argv : null;
  }
  const problem = checkUrl(withoutRefs(target));
  // checkUrl quotes the reference-free text; quote the target as written (masked) instead.
  return problem === null ? null : `target: ${problem.replace(/'[^']*'$/, `'${preview(maskUri(target))}'`)}`;
}

/** The malformed `${…}` reference of a channel, naming its field. */
function channelRefProblem(c: AlertChannelConfig): string | null {
  const fields: [string, unknown][] = [
    ['target', c.target],
    ['secret', c.secret],
    ...Object.entries(c.headers ?? {}).map(([n, v]): [string, unknown] => [`header ${n}`, v]),
  ];
  for (const [field, text] of fields) {
    if (typeof text !== 'string') continue;
    try {
      findEnvRefs(text);
    } catch (err) {
      return `${field}: ${(err as Error).message}`;
    }
  }
  return null;
}

function headersProblem(c: AlertChannelConfig): string | null {
  const headers: unknown = c.headers;
  if (headers === undefined) return null;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return 'headers must be an object of header name to string value';
  }
  if (Object.keys(headers).length > 0 && !HTTP_TYPES.has(c.type)) {
    return `headers apply to HTTP channels only (${[...HTTP_TYPES].join(', ')}), not ${c.type}`;
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (!TOKEN.test(name)) return `header name '${preview(name, 40)}' is not a valid HTTP token`;
    if (typeof value !== 'string') return `header ${name} must be a string`;
    if (CONTROL.test(value)) return `header ${name}: the value must not contain CR, LF or NUL`;
  }
  return null;
}

function secretProblem(c: AlertChannelConfig): string | null {
  const secret: unknown = c.secret;
  if (secret === undefined || secret === null) return null;
  if (typeof secret !== 'string') return 'secret must be a string or null';
  if (secret === '') return 'secret must not be empty (leave it out for unsigned requests)';
  if (c.type !== 'webhook') return `secret (the HMAC key) applies to webhook channels only, not ${c.type}`;
  return null;
}

/** Every problem of one channel, one line each, prefixed `alerts.NAME: `. */
export function channelProblems(name: string, c: unknown): string[] {
  const where = `alerts.${name}`;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return []; // parse.ts reports the shape
  const channel = c as AlertChannelConfig;
  const problems: (string | null)[] = [checkName('channel', name)];
  if (!isChannelType(channel.type)) problems.push(channelTypeMessage(channel.type));
  if (typeof channel.target !== 'string') problems.push('target must be a string');
  const refs = channelRefProblem(channel);
  problems.push(refs);
  if (isChannelType(channel.type)) {
    if (typeof channel.target === 'string' && refs === null) {
      problems.push(targetProblem(channel.type, channel.target));
    }
    problems.push(headersProblem(channel), secretProblem(channel));
  }
  if (channel.timeout !== undefined) problems.push(checkLimit('alerts.timeout', channel.timeout));
  return problems.filter((p): p is string => p !== null).map((p) => `${where}: ${p}`);
}

/** The `alerting` settings. */
export function alertingProblems(a: AlertingSettings | undefined): string[] {
  if (a === undefined) return [];
  const problems: string[] = [];
  if (a.enabled !== undefined && typeof a.enabled !== 'boolean') {
    problems.push('alerting.enabled must be true or false');
  }
  for (const key of ['max_age', 'retry_max'] as const) {
    const v: unknown = a[key];
    if (v === undefined) continue;
    const ms = typeof v === 'string' ? parseDurationField(`alerting.${key}`, v) : null;
    if (ms === null) problems.push(`alerting.${key} must be a duration string such as "5m"`);
    else if (typeof ms === 'string') problems.push(ms);
  }
  return problems;
}

/** The alert-field rules of one service, for serviceProblems (validate.ts); shapes are parse.ts's. */
export function serviceAlertRules(s: ServiceConfig): ServiceRule[] {
  return [
    [
      ['alerts'],
      () => {
        const names = s.alerts ?? [];
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        return twice === undefined ? null : `alerts names the channel '${preview(twice, 40)}' twice`;
      },
    ],
    [
      ['failure_threshold'],
      () => (s.failure_threshold === undefined ? null : checkLimit('failure_threshold', s.failure_threshold)),
    ],
    [
      ['success_threshold'],
      () => (s.success_threshold === undefined ? null : checkLimit('success_threshold', s.success_threshold)),
    ],
    [
      ['failure_window'],
      () => {
        if (s.failure_window == null) return null;
        const w = parseFailureWindow(s.failure_window);
        return typeof w === 'string' ? w : null;
      },
    ],
    [
      ['remind_every'],
      () => {
        if (s.remind_every == null) return null;
        const ms = parseDurationField('remind_every', s.remind_every, REMIND_MIN_MS);
        return typeof ms === 'string' ? ms : null;
      },
    ],
  ];
}

/** The channels a service names that `alerts` lacks: one line naming the first, or null. */
export function unknownChannelProblem(s: ServiceConfig, channels: readonly string[]): string | null {
  const unknown = (s.alerts ?? []).find((n) => !channels.includes(n));
  if (unknown === undefined) return null;
  const have = channels.length === 0 ? 'no channels are configured' : `channels: ${channels.join(', ')}`;
  return `unknown channel '${preview(unknown, 40)}' in alerts (${have}; add one with monitor config alerts add)`;
}
