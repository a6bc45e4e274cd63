import { type Agent, type AgentOptions, createAgent } from '../../src/jobs/agent.js';
import { createRunner, type Runner, type RunnerOptions } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/log/logger.js';
import { createGatedProber } from '../../src/probe/gated-prober.js';
import type { Prober } from '../../src/probe/types.js';
import { type MeteredServer, startMeteredServer } from './http-servers.js';
import { tempStore } from './temp-store.js';

/** What a runner or agent test starts from; everything in it is stopped or closed after the test. */
export interface RunnerRig {
  /** A fresh local database in a temp dir. */
  db: ReturnType<typeof tempStore>;
  prober: Prober;
  /** An HTTP server on 127.0.0.1 (see startMeteredServer in ./http-servers.ts). */
  server(delayMs?: (path: string) => number): Promise<MeteredServer>;
  /** A runner over the rig's store and prober: agent 'test', silent log, no services unless given. */
  runner(options?: Partial<RunnerOptions>): Runner;
  /** An agent over the rig's store and prober: agent name 'test', silent log, no services unless given. */
  agent(options?: Partial<AgentOptions>): Agent;
}

/**
 * A local database and a prober (a gated in-thread one unless given: the runner leaves the caps
 * to it). After the test, runners and agents are stopped before the prober, the servers and the
 * database close, so a test that fails half-way leaves no timer running into a closed database.
 */
export function runnerRig(
  t: { after(fn: () => unknown): void },
  prober: Prober = createGatedProber(),
): RunnerRig {
  const db = tempStore();
  const stoppers: (() => Promise<void>)[] = [];
  const servers: MeteredServer[] = [];
  t.after(async () => {
    // Stopping twice is a no-op: this only matters for a test that did not get to its own stop.
    for (const stop of stoppers) await stop();
    await prober.close();
    for (const s of servers) await s.close();
    db.cleanup();
  });
  return {
    db,
    prober,
    async server(delayMs) {
      const s = await startMeteredServer(delayMs);
      servers.push(s);
      return s;
    },
    runner(options = {}) {
      const runner = createRunner({
        store: db.store,
        prober,
        agent: 'test',
        services: [],
        logger: silentLogger(),
        ...options,
      });
      stoppers.push(() => runner.stop(0));
      return runner;
    },
    agent(options = {}) {
      const agent = createAgent({
        store: db.store,
        prober,
        services: [],
        agentName: 'test',
        logger: silentLogger(),
        ...options,
      });
      stoppers.push(() => agent.stop({ graceMs: 0 }));
      return agent;
    },
  };
}
