import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running target-server child process. */
export interface Target {
  port: number;
  pid: number;
  /** Requests the target has answered so far. */
  served(): Promise<number>;
  stop(): Promise<void>;
}

function once<T>(child: ChildProcess, pick: (m: unknown) => T | undefined, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('target server did not answer'));
    }, ms);
    const onMessage = (m: unknown) => {
      const v = pick(m);
      if (v === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(v);
    };
    child.on('message', onMessage);
  });
}

export async function startTarget(): Promise<Target> {
  const child = fork(fileURLToPath(new URL('./target-server.js', import.meta.url)), [], { stdio: 'inherit' });
  const port = await once(child, (m) =>
    m && typeof m === 'object' && 'port' in m ? (m as { port: number }).port : undefined,
  );
  return {
    port,
    pid: child.pid ?? 0,
    async served() {
      const p = once(child, (m) =>
        m && typeof m === 'object' && 'served' in m ? (m as { served: number }).served : undefined,
      );
      child.send('count');
      return p;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('stop');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
