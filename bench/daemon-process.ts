/**
 * `monitor start` as users run it: `bin/monitor.js start --yes --config-path PATH` (run as a program, so its shebang flags apply), in a
 * process of its own, its output in a log file next to the config. The benchmark sees it only from
 * outside: its pid (for /proc, bench/proc-stats.ts), its exit, and what it leaves in the databases.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/bench/daemon-process.js → bin/monitor.js (the launcher that imports dist/src/cli/main.js).
const BIN = fileURLToPath(new URL('../../bin/monitor.js', import.meta.url));

export interface DaemonOptions {
  configPath: string;
  /** Where stdout and stderr go. */
  logPath: string;
  /** false adds --no-export (results stay in the local database; nothing is collected). Default true. */
  exportEnabled?: boolean;
  /** --http ADDR:PORT; default --no-http. */
  http?: string;
  /** -v count: 3 = warnings and worse (the default here), 4 = info. */
  verbosity?: number;
}

export interface DaemonProcess {
  pid: number;
  /** The command line, for the inputs (no secret: the URI is in the config file). */
  command: string;
  /** The exit code once it exited, else undefined. */
  exitCode(): number | null | undefined;
  /** SIGTERM, wait up to `ms` (default 60 s) for the drain and final export, then SIGKILL. */
  stop(ms?: number): Promise<number | null>;
  /** The last `chars` of its log. */
  logTail(chars?: number): string;
}

export function startDaemon(o: DaemonOptions): DaemonProcess {
  const args = [
    'start',
    '--yes',
    `-${'v'.repeat(o.verbosity ?? 3)}`,
    '--log-format',
    'json',
    '--config-path',
    o.configPath,
    ...(o.exportEnabled === false ? ['--no-export'] : []),
    // Several bench daemons may run at once: HTTP only where a section asks for it.
    ...(o.http ? ['--http', o.http] : ['--no-http']),
  ];
  const log = openSync(o.logPath, 'a');
  let child: ChildProcess;
  try {
    // Run as users run it: the launcher itself (its shebang carries the daemon's V8 flags), with
    // this node first on PATH so that `env node` finds the same one.
    const path = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;
    child = spawn(BIN, args, { stdio: ['ignore', log, log], env: { ...process.env, PATH: path } });
  } finally {
    closeSync(log);
  }
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (c, signal) => {
      code = c ?? (signal ? -1 : null);
      resolve(code);
    });
  });
  child.once('error', () => {});
  return {
    pid: child.pid ?? 0,
    command: `node bin/monitor.js ${args.slice(1).join(' ')}`,
    exitCode: () => code,
    async stop(ms = 60_000) {
      if (code !== undefined) return code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    logTail(chars = 3000) {
      try {
        return readFileSync(o.logPath, 'utf8').slice(-chars);
      } catch {
        return '';
      }
    },
  };
}
