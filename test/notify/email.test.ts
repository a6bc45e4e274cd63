import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { channelOf, never, sampleEvent } from './fixtures.js';

interface Received {
  raw: string;
  /** The session was on TLS (STARTTLS done) when the message came. */
  secure: boolean;
  user: string | undefined;
  to: string[];
}

const PASSWORD = 'smtp-pw-5e6f7a';
let pki: TestPki;
let notifier: Notifier;
before(() => {
  pki = makePki(30);
  notifier = createNotifier({ env: { SMTP_PW: PASSWORD } });
});
after(async () => {
  await notifier.close();
  rmSync(pki.dir, { recursive: true, force: true });
});

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** An SMTP server on 127.0.0.1 offering STARTTLS, AUTH only over TLS, user `mon`. */
async function startSmtp(extra: Partial<SMTPServerOptions> = {}) {
  const received: Received[] = [];
  const auths: string[] = [];
  const server = new SMTPServer({
    key: pki.read(pki.serverKey),
    cert: pki.read(pki.serverCert),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      auths.push(auth.username ?? '');
      if (auth.username === 'mon' && auth.password === PASSWORD) return cb(null, { user: 'mon' });
      cb(smtpError(535, 'authentication failed'));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('refuse@')) return cb(smtpError(550, 'no such mailbox here'));
      if (address.address.startsWith('busy@')) return cb(smtpError(451, 'mailbox busy, try later'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        cb();
      });
    },
    ...extra,
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as net.AddressInfo;
  return { port, received, auths, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A header of a raw message, unfolded, encoded-words (RFC 2047, Q or B) decoded. */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (!line) return undefined;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([qb])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

const targetOf = (port: number, to: string, user = 'mon') =>
  `smtp://${user}:\${SMTP_PW}@127.0.0.1:${port}?from=monitor@example.org&to=${to}&ca_file=${pki.caFile}`;

test('email: STARTTLS, AUTH, subject = summary, X-Event-Id and a Message-ID from the event id', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.close());
  const event = sampleEvent('down');
  const ch = channelOf('email', targetOf(smtp.port, 'ops@example.org,dev@example.org'));
  const out = await notifier.deliver(ch, event, never);
  assert.equal(out.status, 'accepted', out.detail);
  assert.equal(out.code, 250);
  assert.equal(smtp.received.length, 1);
  const got = smtp.received[0]!;
  assert.equal(got.secure, true);
  assert.equal(got.user, 'mon');
  assert.deepEqual(got.to, ['ops@example.org', 'dev@example.org']);
  assert.equal(
    header(got.raw, 'Subject'),
    'DOWN GET https://x.example/health — timeout: connect ETIMEDOUT (agent a1)',
  );
  assert.equal(header(got.raw, 'X-Event-Id'), event.event_id);
  assert.equal(header(got.raw, 'Message-ID'), `<${event.event_id}@example.org>`);
  assert.equal(header(got.raw, 'From'), 'monitor@example.org');
  assert.match(got.raw, /Event: 01938a6e-8f00-7abc-8def-0123456789ab/);
  // The same channel again reuses its transporter and still delivers.
  assert.equal((await notifier.deliver(ch, sampleEvent('resolved'), never)).status, 'accepted');
  assert.equal(smtp.received.length, 2);
});

test('email: 550 for a recipient → failed; 451 → retry; a wrong password (535) → failed', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.close());
  const refused = await notifier.deliver(
    channelOf('email', targetOf(smtp.port, 'refuse@example.org')),
    sampleEvent(),
    never,
  );
  assert.deepEqual([refused.status, refused.code], ['failed', 550], refused.detail);
  assert.match(refused.detail, /^SMTP 550 at RCPT TO: .*no such mailbox here/);
  const busy = await notifier.deliver(
    channelOf('email', targetOf(smtp.port, 'busy@example.org')),
    sampleEvent(),
    never,
  );
  assert.deepEqual([busy.status, busy.code], ['retry', 451], busy.detail);
  const wrong = createNotifier({ env: { SMTP_PW: 'not-the-password' } });
  t.after(() => wrong.close());
  const denied = await wrong.deliver(
    channelOf('email', targetOf(smtp.port, 'ops@example.org')),
    sampleEvent(),
    never,
  );
  assert.deepEqual([denied.status, denied.code], ['failed', 535], denied.detail);
  assert.ok(!denied.detail.includes('not-the-password'));
  assert.equal(smtp.received.length, 0);
});

test('email with credentials never authenticates without TLS: a server refusing STARTTLS → failed, no AUTH sent', async (t) => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  t.after(() => smtp.close());
  const out = await notifier.deliver(
    channelOf('email', targetOf(smtp.port, 'ops@example.org')),
    sampleEvent(),
    never,
  );
  assert.deepEqual([out.status, out.code], ['failed', 500], out.detail);
  assert.match(out.detail, /at STARTTLS/);
  assert.deepEqual(smtp.auths, []);
  assert.ok(!out.detail.includes(PASSWORD));
});

test('email: connection refused → retry; a target without from/to → failed', async () => {
  const smtp = await startSmtp();
  const port = smtp.port;
  await smtp.close();
  const out = await notifier.deliver(
    channelOf('email', targetOf(port, 'ops@example.org')),
    sampleEvent(),
    never,
  );
  assert.equal(out.status, 'retry', out.detail);
  assert.ok(!out.detail.includes(PASSWORD), out.detail);
  const bad = await notifier.deliver(
    channelOf('email', 'smtp://127.0.0.1:25?to=a@b.example'),
    sampleEvent(),
    never,
  );
  assert.equal(bad.status, 'failed');
  assert.match(bad.detail, /from=/);
});

test('email: a server that never greets → retry at the channel timeout', async (t) => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s)).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const { port } = silent.address() as net.AddressInfo;
  const ch = channelOf('email', targetOf(port, 'ops@example.org'), { timeoutMs: 200 });
  const out = await notifier.deliver(ch, sampleEvent(), never);
  assert.deepEqual([out.status, out.code, out.detail], ['retry', null, 'timeout after 200 ms']);
  assert.equal(sockets.size, 1);
});

test('email over smtps:// (TLS from the first byte) is accepted', async (t) => {
  const smtp = await startSmtp({ secure: true });
  t.after(() => smtp.close());
  const target = targetOf(smtp.port, 'ops@example.org').replace(/^smtp:/, 'smtps:');
  const out = await notifier.deliver(channelOf('email', target), sampleEvent('test'), never);
  assert.equal(out.status, 'accepted', out.detail);
  assert.equal(smtp.received[0]!.secure, true);
  assert.match(header(smtp.received[0]!.raw, 'Subject') ?? '', /^TEST GET /);
});
