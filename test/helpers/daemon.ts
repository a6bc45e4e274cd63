import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MonitorConfig } from '../../src/config/types.js';

/** <repo>/bin/monitor.js, from dist/test/helpers. */
export const MONITOR_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/monitor.js');

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Resolves when `pattern` appears in the output; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  /** Send a signal and wait for the exit; rejects when the process does not exit in `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; elapsedMs: number }>;
}

/**
 * `--no-http` unless `args` choose (--http, --no-http): the default 127.0.0.1:9464 would be taken
 * by whichever of the daemons that tests run side by side came first.
 */
export function withoutHttp(args: readonly string[]): string[] {
  return args.some((a) => a === '--no-http' || a === '--http' || a.startsWith('--http='))
    ? [...args]
    : [...args, '--no-http'];
}

/** `monitor start --yes --log-format json -vvvv --config-path P [...extra]` as a real child process. */
export function startDaemon(
  configPath: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): DaemonProcess {
  const child = spawn(
    process.execPath,
    [
      MONITOR_BIN,
      'start',
      '--yes',
      '--log-format',
      'json',
      '-vvvvv',
      '--config-path',
      configPath,
      ...withoutHttp(extra),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((res) =>
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      res({ code, signal, atMs: Date.now() });
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((res, rej) => {
        const check = () => {
          if (pattern.test(out)) {
            cleanup();
            res();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            rej(new Error(`monitor exited before ${pattern}; output:\n${out.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          rej(new Error(`timed out waiting for ${pattern}; output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      const t0 = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        exited,
        new Promise<null>((r) => {
          timer = setTimeout(() => r(null), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!res) {
        child.kill('SIGKILL');
        throw new Error(
          `monitor did not exit within ${timeoutMs} ms of ${signal}; output:\n${out.slice(-3000)}`,
        );
      }
      return { code: res.code, elapsedMs: res.atMs - t0 };
    },
  };
}

/** A temp dir holding a config file; `remove()` deletes it. */
export function tempConfig(
  config: Omit<MonitorConfig, 'local_database_path'> & { local_database_path?: string },
): {
  dir: string;
  configPath: string;
  dbPath: string;
  write(next: MonitorConfig): void;
  config: MonitorConfig;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-e2e-'));
  const configPath = join(dir, 'monitoring-config');
  const dbPath = config.local_database_path ?? join(dir, 'local-database.sqlite3');
  const full = { ...config, local_database_path: dbPath } as MonitorConfig;
  const write = (next: MonitorConfig) =>
    writeFileSync(configPath, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  write(full);
  return {
    dir,
    configPath,
    dbPath,
    write,
    config: full,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An HTTP server on 127.0.0.1 answering 200 "ok <path>" and counting requests per path. */
export async function startCountingServer(): Promise<{
  url: string;
  counts: Map<string, number>;
  server: Server;
  close(): Promise<void>;
}> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${path}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    server,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
