import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running target-server child process. */
export interface Target {
  /** The first origin's port. */
  port: number;
  /** One port per origin (all on 127.0.0.1). */
  ports: number[];
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

/** `origins`: ports the target listens on, one origin each. Default 1. */
export async function startTarget(origins = 1): Promise<Target> {
  const child = fork(fileURLToPath(new URL('./target-server.js', import.meta.url)), [String(origins)], {
    stdio: 'inherit',
  });
  const ports = await once(child, (m) =>
    m && typeof m === 'object' && 'ports' in m ? (m as { ports: number[] }).ports : undefined,
  );
  return {
    port: ports[0]!,
    ports,
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
/** The URL of service `i` when services are spread round-robin over the target's origins. */
export function serviceUrl(target: Target, i: number): string {
  return `http://127.0.0.1:${target.ports[i % target.ports.length]}/svc/${i}`;
}

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
