/**
 * `monitor start` inside the bench's own process: runDaemon (src/daemon) on a generated config
 * file, with hooks that observe its parts, stopped through its own abort path (the one SIGTERM
 * takes: drain, final export, closers). Nothing of the daemon is assembled here.
 */
import { runDaemon } from '../src/daemon/daemon.js';
import type { DaemonHooks } from '../src/daemon/hooks.js';
import type { LocalDatabase } from '../src/db/local/index.js';
import type { Agent } from '../src/jobs/agent.js';
import { silentLogger } from '../src/log/logger.js';

export interface InProcessOptions {
  configPath: string;
  /** As `monitor start` without (true) or with (false) --no-export. */
  exportEnabled: boolean;
  /** How long the stop waits for in-flight probes. */
  drainMs: number;
  /** Default none. */
  hooks?: DaemonHooks;
  /** --http ADDR:PORT for this daemon. Default: no HTTP server. */
  http?: string;
}

export interface InProcessDaemon {
  /** The daemon's agent (its stats) and local database, as runDaemon started them. */
  agent: Agent;
  ldb: LocalDatabase;
  /** Stops it as SIGTERM does and resolves with runDaemon's exit code; a second call waits for the same. */
  stop(): Promise<number>;
}

/** Resolves once the daemon's agent started; rejects when runDaemon ends (or throws) before. */
export async function startInProcess(o: InProcessOptions): Promise<InProcessDaemon> {
  const abort = new AbortController();
  let onStarted: (r: { agent: Agent; ldb: LocalDatabase }) => void = () => {};
  const started = new Promise<{ agent: Agent; ldb: LocalDatabase }>((r) => {
    onStarted = r;
  });
  const done = runDaemon({
    configPath: o.configPath,
    logger: silentLogger(),
    exportEnabled: o.exportEnabled,
    drainMs: o.drainMs,
    signal: abort.signal,
    // HTTP only where a section asks for it (o.http = ADDR:PORT); several may run at once.
    http: o.http ? { listen: o.http } : { disabled: true },
    hooks: {
      ...o.hooks,
      started: (running) => {
        o.hooks?.started?.(running);
        onStarted(running);
      },
    },
  });
  const running = await Promise.race([
    started,
    done.then((code) => {
      throw new Error(`the in-process daemon ended (exit code ${code}) before its agent started`);
    }),
  ]);
  return {
    ...running,
    stop() {
      abort.abort();
      return done;
    },
  };
}
