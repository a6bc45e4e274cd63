import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { createNotifier } from '../../src/systemd/notify.js';

interface RecvSocket {
  bind(path: string): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as {
  createSocket(type: 'unix_dgram', onMessage: (buf: Buffer) => void): RecvSocket;
};

/** A real AF_UNIX datagram socket standing in for systemd's notify socket. */
function listen(path: string): { messages: string[]; close(): void } {
  const messages: string[] = [];
  const sock = unixDgram.createSocket('unix_dgram', (buf) => messages.push(buf.toString()));
  sock.bind(path);
  return { messages, close: () => sock.close() };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

test('speaks READY, STATUS, WATCHDOG and STOPPING on $NOTIFY_SOCKET', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-'));
  const path = join(dir, 'notify.sock');
  const server = listen(path);
  try {
    const n = createNotifier({
      enabled: true,
      logger: silentLogger(),
      env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '4000000', WATCHDOG_PID: String(process.pid) },
    });
    assert.equal(n.enabled, true);
    assert.equal(n.watchdogIntervalMs, 2000);
    await n.ready('3 services');
    await n.status('probes 10/10');
    await n.watchdog();
    await n.stopping();
    n.close();
    await until(() => server.messages.length >= 4);
    assert.deepEqual(server.messages, [
      `READY=1\nMAINPID=${process.pid}\nSTATUS=3 services`,
      'STATUS=probes 10/10',
      'WATCHDOG=1',
      'STOPPING=1',
    ]);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('is inert without NOTIFY_SOCKET, and ignores a watchdog meant for another pid', async () => {
  const off = createNotifier({ enabled: true, logger: silentLogger(), env: {} });
  assert.equal(off.enabled, false);
  const other = createNotifier({
    enabled: true,
    logger: silentLogger(),
    env: { NOTIFY_SOCKET: '/nonexistent/sock', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' },
  });
  assert.equal(other.watchdogIntervalMs, null);
  // A missing socket is logged, never thrown: monitoring must not stop over systemd.
  await other.ready();
  other.close();
});
