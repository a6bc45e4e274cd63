import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, type Stats, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutHttp } from './daemon.js';

/** <repo>/bin/monitor.js, resolved from dist/test/helpers so the cwd does not matter. */
export const MONITOR_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/monitor.js');

export interface RunOptions {
  /** HOME for the child (the default config lives under it). Default: inherited HOME. */
  home?: string;
  /** Extra environment, merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. stdin is a pipe either way, so never a terminal. */
  input?: string;
  /** The child is killed with SIGKILL after this long and the promise rejects. Default 30 s. */
  timeoutMs?: number;
  /** Working directory. Default: this process's cwd. */
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the real `monitor` binary to completion with `args`. */
export function runMonitor(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.home !== undefined) env['HOME'] = options.home;
  // A developer's debug switch would add stack traces to stderr and break one-line assertions.
  if (options.env?.['MONITOR_DEBUG'] === undefined) delete env['MONITOR_DEBUG'];
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolvePromise, reject) => {
    // `start` without --http/--no-http gets --no-http: tests run side by side (see withoutHttp).
    const argv = args[0] === 'start' ? withoutHttp(args) : [...args];
    const child = spawn(process.execPath, [MONITOR_BIN, ...argv], {
      env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`monitor ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    // The child may exit before reading stdin (EPIPE); that is not the test's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `monitor config create <uri>` with HOME `home` and asserts it succeeded: a config to work on. */
export async function createConfig(home: string, uri = 'postgresql://u:pw@127.0.0.1/db'): Promise<void> {
  const created = await runMonitor(['config', 'create', uri], { home });
  assert.equal(created.code, 0, created.stderr);
}

export interface TempHome {
  /** The directory to pass as HOME. */
  path: string;
  /** The default config path under it: <home>/.monitoring/monitoring-config. */
  configPath: string;
  /** Remove the directory and everything in it. */
  cleanup(): void;
}

export function makeTempHome(prefix = 'monitor-home-'): TempHome {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    configPath: join(path, '.monitoring', 'monitoring-config'),
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * sha256 of a file's bytes, or what the path is when it is not a regular file ('absent',
 * 'directory', 'other:<mode>'): to assert that a command left a path untouched. Never opens a FIFO.
 */
export function fileDigest(path: string): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    return (err as { code?: string }).code === 'ENOENT'
      ? 'absent'
      : `unstatable:${(err as { code?: string }).code}`;
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) return `other:${st.mode.toString(8)}`;
  return `${(st.mode & 0o777).toString(8)}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

/** Non-empty lines of an output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
