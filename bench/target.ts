import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HEALTHY_RESPONSE } from './target-body.js';

/** What the target counted so far (see bench/target-server.ts). */
export interface TargetCounts {
  served: number;
  /** Distinct service indexes that arrived at least once (only when recording). */
  distinct: number;
  /** The target's own event-loop delay since the last resetDelay(): a floor on arrival noise. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Every arrival on `/svc/<i>`: `index[k]` arrived at `at[k]` (epoch ms). */
export interface Arrivals {
  index: Int32Array;
  at: Float64Array;
}

/**
 * What the target does besides answering 200 (bench/target-server.ts): services i with
 * i % flapEvery === 0 answer 500 for downMs, then 200 for upMs, over and over, each with its own
 * phase. Default: nobody flaps.
 */
export interface TargetBehaviour {
  flapEvery: number;
  /** Default 20 s each. */
  downMs?: number;
  upMs?: number;
}

/** A running target-server child process. */
export interface Target {
  /** The first origin's port. */
  port: number;
  /** One port per origin (all on 127.0.0.1). */
  ports: number[];
  pid: number;
  /** Requests the target has answered so far. */
  served(): Promise<number>;
  counts(): Promise<TargetCounts>;
  resetDelay(): void;
  /** Every arrival so far (empty unless started with `record`). */
  arrivals(): Promise<Arrivals>;
  /** Origin k (index into ports) answers 500 on every path (or 200 again); resolves with when it took effect. */
  setOriginDown(k: number, down: boolean): Promise<number>;
  stop(): Promise<void>;
}

function once<T>(child: ChildProcess, pick: (m: unknown) => T | undefined, ms = 30_000): Promise<T> {
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

const has = (m: unknown, key: string): boolean => m !== null && typeof m === 'object' && key in m;

/**
 * `origins`: ports the target listens on, one origin each. Default 1.
 * `record`: keep every arrival's service index and time (bench/target-server.ts). Default false.
 * `body`: what every path answers. Default HEALTHY_RESPONSE.body (bench/target-body.ts).
 * `behaviour`: flapping services. Default none.
 */
export async function startTarget(
  origins = 1,
  record = false,
  body = HEALTHY_RESPONSE.body,
  behaviour?: TargetBehaviour,
): Promise<Target> {
  const child = fork(
    fileURLToPath(new URL('./target-server.js', import.meta.url)),
    [String(origins), record ? 'record' : 'plain', body, ...(behaviour ? [JSON.stringify(behaviour)] : [])],
    // 'advanced': the arrival log crosses as typed arrays, not as JSON.
    { stdio: 'inherit', serialization: 'advanced' },
  );
  const ports = await once(child, (m) => (has(m, 'ports') ? (m as { ports: number[] }).ports : undefined));
  const counts = async (): Promise<TargetCounts> => {
    const p = once(child, (m) => (has(m, 'served') ? (m as TargetCounts) : undefined));
    child.send('count');
    return p;
  };
  return {
    port: ports[0]!,
    ports,
    pid: child.pid ?? 0,
    async served() {
      return (await counts()).served;
    },
    counts,
    resetDelay() {
      child.send('reset-delay');
    },
    async arrivals() {
      const p = once(child, (m) => (has(m, 'index') ? (m as Arrivals) : undefined), 120_000);
      child.send('arrivals');
      return p;
    },
    setOriginDown(k, down) {
      const p = once(child, (m) =>
        has(m, 'originDownAt') ? (m as { originDownAt: number }).originDownAt : undefined,
      );
      child.send({ originDown: k, down });
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

/** The URL of service `i` when services are spread round-robin over the target's origins. */
export function serviceUrl(target: Pick<Target, 'ports'>, i: number): string {
  return `http://127.0.0.1:${target.ports[i % target.ports.length]}/svc/${i}`;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc (Linux); null elsewhere. */
export { processCpuSeconds } from './proc-stats.js';
