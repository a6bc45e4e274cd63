import { spawn } from 'node:child_process';
import { commandArgv } from '../config/alert-validate.js';
import type { ChannelSender } from './channel.js';
import { summaryOf } from './event-text.js';
import { type Attempt, describeError, failedOutcome, oneLine, retryOutcome } from './outcome.js';

/** Most of a command's stderr kept: its last line is the detail of a nonzero exit. */
const STDERR_TAIL_BYTES = 4096;
/** After the process exits, how long its pipes may stay open (a child it left behind) before we stop reading. */
const PIPE_GRACE_MS = 200;

/**
 * `command`: runs the target's argv without a shell, the event JSON on stdin and
 * MONITOR_EVENT_ID, MONITOR_EVENT_KIND and MONITOR_SUMMARY in its environment (`env`, the daemon's,
 * plus those). Exit 0 accepted; another exit retry, with the last stderr line as the detail; a
 * program that does not exist or may not run failed. The process leads its own process group, so
 * at the deadline the whole group (anything it started too) is killed, and the attempt ends only
 * once the process is gone.
 */
export function createCommandSender(env: Readonly<Record<string, string | undefined>>): ChannelSender {
  return (d) => {
    const argv = commandArgv(d.channel.target);
    if (typeof argv === 'string') return Promise.resolve(failedOutcome(`channel ${d.channel.name}: ${argv}`));
    if (d.signal.aborted) return Promise.reject(d.signal.reason);
    const [program, ...args] = argv as [string, ...string[]];
    return new Promise<Attempt>((resolve, reject) => {
      const child = spawn(program, args, {
        detached: true,
        stdio: ['pipe', 'ignore', 'pipe'],
        env: {
          ...env,
          MONITOR_EVENT_ID: d.event.event_id,
          MONITOR_EVENT_KIND: d.event.kind,
          MONITOR_SUMMARY: summaryOf(d.event),
        },
      });
      let settled = false;
      let stderr = '';
      let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        d.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => {
        if (child.pid === undefined || exit !== null) return settle(() => reject(d.signal.reason));
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone: 'exit' is on its way.
        }
        child.once('exit', () => settle(() => reject(d.signal.reason)));
      };
      d.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err: NodeJS.ErrnoException) => {
        const broken = err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTDIR';
        const detail = `cannot run ${program}: ${describeError(err)}`;
        settle(() => resolve(broken ? failedOutcome(detail) : retryOutcome(detail)));
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      });
      // A command that does not read its stdin closes the pipe: EPIPE is not a failure.
      child.stdin?.on('error', () => {});
      child.stdin?.end(JSON.stringify(d.event));
      const finish = () => settle(() => resolve(exitOutcome(exit!, stderr)));
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        setTimeout(() => {
          child.stderr?.destroy();
          finish();
        }, PIPE_GRACE_MS).unref();
      });
      child.on('close', () => {
        if (exit !== null) finish();
      });
    });
  };
}

function exitOutcome(exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string): Attempt {
  const last = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (exit.code === 0) return { status: 'accepted', code: 0, detail: 'exit 0', retryAfterMs: null };
  const how = exit.code !== null ? `exit ${exit.code}` : `killed by ${exit.signal}`;
  return {
    status: 'retry',
    code: exit.code,
    detail: oneLine(last ? `${how}: ${last}` : how),
    retryAfterMs: null,
  };
}
