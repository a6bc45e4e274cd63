import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * sd_notify(3) over $NOTIFY_SOCKET. Node's dgram has no AF_UNIX datagrams, so the optional
 * `unix-dgram` addon sends them; when it failed to build, we fall back to the `systemd-notify`
 * binary (which needs NotifyAccess=all in the unit, as the shipped unit sets).
 */

interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  close(): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

function loadUnixDgram(): UnixDgramModule | null {
  try {
    return createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  } catch {
    return null;
  }
}

export interface Notifier {
  /** True when $NOTIFY_SOCKET is set and notification was asked for. */
  readonly enabled: boolean;
  /** Interval at which WATCHDOG=1 must be sent (half of WATCHDOG_USEC), or null. */
  readonly watchdogIntervalMs: number | null;
  ready(status?: string): Promise<void>;
  status(text: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(status?: string): Promise<void>;
  close(): void;
}

export interface NotifierOptions {
  /** Whether the user asked for notification (`--notify-systemd`). */
  enabled: boolean;
  logger: Logger;
  /** Environment to read NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const env = options.env ?? process.env;
  const socketPath = env['NOTIFY_SOCKET'];
  const log = options.logger.child({ module: 'systemd' });
  if (!options.enabled) {
    log.info('Systemd notification is disabled.');
    return disabledNotifier();
  }
  if (!socketPath) {
    log.warn(
      '--notify-systemd given but NOTIFY_SOCKET is not set (not started by systemd with Type=notify?)',
    );
    return disabledNotifier();
  }
  const address = socketPath.startsWith('@') ? `\0${socketPath.slice(1)}` : socketPath;
  const usec = Number(env['WATCHDOG_USEC']);
  const watchdogPid = env['WATCHDOG_PID'];
  const watchdogForUs = !watchdogPid || Number(watchdogPid) === process.pid;
  const watchdogIntervalMs =
    Number.isFinite(usec) && usec > 0 && watchdogForUs ? Math.max(1, usec / 2000) : null;

  const mod = loadUnixDgram();
  let sock: UnixDgramSocket | null = null;
  let lastFailure: string | null = null;

  const send = (message: string): Promise<void> =>
    new Promise((resolve) => {
      const done = (err?: Error | null) => {
        if (err) {
          // Log once per distinct failure: a missing socket should not flood the journal.
          if (lastFailure !== err.message) log.warn({ err: err.message }, 'systemd notification failed');
          lastFailure = err.message;
        } else {
          lastFailure = null;
        }
        resolve();
      };
      if (mod) {
        try {
          if (!sock) {
            sock = mod.createSocket('unix_dgram');
            sock.on('error', (e) => done(e));
          }
          const buf = Buffer.from(message);
          sock.send(buf, 0, buf.length, address, (e) => done(e ? toError(e) : null));
        } catch (e) {
          done(toError(e));
        }
        return;
      }
      const args = message.split('\n').filter(Boolean);
      execFile('systemd-notify', args, { env: { ...process.env, NOTIFY_SOCKET: socketPath } }, (e) =>
        done(e ? toError(e) : null),
      );
    });

  log.info({ socket: socketPath, watchdogIntervalMs }, 'Systemd notification is enabled.');
  return {
    enabled: true,
    watchdogIntervalMs,
    ready: (status) => send(`READY=1\nMAINPID=${process.pid}${status ? `\nSTATUS=${status}` : ''}`),
    status: (text) => send(`STATUS=${text}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (status) => send(`STOPPING=1${status ? `\nSTATUS=${status}` : ''}`),
    close: () => {
      sock?.close();
      sock = null;
    },
  };
}

function disabledNotifier(): Notifier {
  const noop = async (): Promise<void> => {};
  return {
    enabled: false,
    watchdogIntervalMs: null,
    ready: noop,
    status: noop,
    watchdog: noop,
    stopping: noop,
    close: () => {},
  };
}
