import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { ChannelSender } from './channel.js';
import { summaryOf, textOf } from './event-text.js';
import { type Attempt, describeError, failedOutcome, retryOutcome, smtpOutcome } from './outcome.js';

/** An `email` target, read: `smtp[s]://user:pass@host:port?from=a@b&to=c@d,e@f[&ca_file=/path]`. */
export interface SmtpTarget {
  host: string;
  /** Default 465 for smtps:// (implicit TLS), 587 for smtp:// (submission, STARTTLS). */
  port: number;
  secure: boolean;
  user: string | null;
  pass: string | null;
  from: string;
  to: string[];
  /** PEM file of a private CA the server's certificate is checked against. Default: the system CAs. */
  caFile: string | null;
}

const PARAMS = new Set(['from', 'to', 'ca_file']);

/** Parses an (expanded) email target; a one-line message naming the problem, never the password. */
export function parseSmtpTarget(target: string): SmtpTarget | string {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return 'target is not an smtp:// or smtps:// URI';
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') return 'target must be an smtp:// or smtps:// URI';
  if (!u.hostname) return 'target has no host';
  for (const key of u.searchParams.keys())
    if (!PARAMS.has(key)) return `unknown parameter '${key}' (known: from, to, ca_file)`;
  const from = u.searchParams.get('from');
  const to = (u.searchParams.get('to') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!from || to.length === 0) return 'target needs ?from=ADDRESS&to=ADDRESS[,ADDRESS…]';
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : null,
    pass: u.password ? decodeURIComponent(u.password) : null,
    from,
    to,
    caFile: u.searchParams.get('ca_file'),
  };
}

function createTransporter(t: SmtpTarget, timeoutMs: number): Transporter {
  return nodemailer.createTransport({
    host: t.host,
    port: t.port,
    secure: t.secure,
    // With credentials the password must not cross the network in clear: STARTTLS or nothing.
    requireTLS: t.user !== null,
    ...(t.user !== null ? { auth: { user: t.user, pass: t.pass ?? '' } } : {}),
    ...(t.caFile !== null ? { tls: { ca: readFileSync(t.caFile, 'utf8') } } : {}),
    // nodemailer's own timeouts (2 min connect, 10 min socket) bound an attempt the deadline gave
    // up on: the connection cannot be cancelled from outside, so it ends by itself this soon.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/** The reply code of an SMTP error; the rest of nodemailer's errors are connection class. */
function mailErrorOutcome(err: unknown): Attempt {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown };
  if (typeof e.responseCode === 'number') {
    const said = typeof e.response === 'string' ? e.response.replace(/^\d{3}[ -]?/, '') : describeError(err);
    return smtpOutcome(e.responseCode, said);
  }
  // Before any reply: nothing to send (EENVELOPE) or a message nodemailer cannot build.
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return failedOutcome(describeError(err));
  return retryOutcome(describeError(err));
}

/**
 * The `email` sender and its transporters: one per channel, made on the channel's first delivery
 * and again only when its expanded target changes (so a rotated password takes effect), all
 * closed by close().
 */
export function createMailer(): { send: ChannelSender; close(): void } {
  const transporters = new Map<string, { target: string; transporter: Transporter }>();

  const transporterFor = (name: string, target: SmtpTarget, raw: string, timeoutMs: number) => {
    const key = `${raw}\n${timeoutMs}`;
    const cached = transporters.get(name);
    if (cached?.target === key) return cached.transporter;
    cached?.transporter.close();
    const transporter = createTransporter(target, timeoutMs);
    transporters.set(name, { target: key, transporter });
    return transporter;
  };

  const send: ChannelSender = async (d) => {
    const target = parseSmtpTarget(d.channel.target);
    if (typeof target === 'string') return failedOutcome(`channel ${d.channel.name}: ${target}`);
    let transporter: Transporter;
    try {
      transporter = transporterFor(d.channel.name, target, d.channel.target, d.channel.timeoutMs);
    } catch (err) {
      return failedOutcome(`channel ${d.channel.name}: ca_file: ${describeError(err)}`);
    }
    const domain = target.from.split('@')[1] ?? 'monitor.invalid';
    const sending = transporter.sendMail({
      from: target.from,
      to: target.to,
      subject: summaryOf(d.event),
      text: textOf(d.event),
      // Derived from the event: every attempt of one event is the same message to a mail system.
      messageId: `<${d.event.event_id}@${domain}>`,
      headers: { 'X-Event-Id': d.event.event_id },
    });
    let info: { response?: unknown };
    try {
      info = await untilSignal(sending, d.signal);
    } catch (err) {
      if (d.signal.aborted) throw err;
      return mailErrorOutcome(err);
    }
    const reply = typeof info.response === 'string' ? info.response : '250 accepted';
    const code = Number(/^\d{3}/.exec(reply)?.[0] ?? 250);
    return smtpOutcome(code, reply.replace(/^\d{3}[ -]?/, ''));
  };

  return {
    send,
    close() {
      for (const { transporter } of transporters.values()) transporter.close();
      transporters.clear();
    },
  };
}

/** `pending`, or the signal's reason when it fires first (the sending goes on, bounded by its timeouts). */
function untilSignal<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    pending.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      pending.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
