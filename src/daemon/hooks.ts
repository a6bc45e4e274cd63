/**
 * What an in-process caller (the benchmark, tests) may see and wrap of a running daemon.
 * `monitor start` sets none, and each hook left out leaves that part exactly as `monitor start`
 * runs it: the hooks observe the daemon's own parts, they never replace its wiring.
 */
import type { LocalDatabase } from '../db/local/index.js';
import type { Agent } from '../jobs/agent.js';
import type { Prober } from '../probe/types.js';
import type { ExportSource, JobStore } from '../queue/store.js';

/** The synchronous database steps the daemon takes beside the agent's own jobs. */
export type DaemonStep = 'collect slice' | 'buffer check';

export interface DaemonHooks {
  /** Wraps the job store the agent (scheduler and runner) uses. Default: the store itself. */
  jobStore?: (store: JobStore) => JobStore;
  /** Wraps the export source the PostgreSQL exporter reads and marks. Default: the source itself. */
  exportSource?: (source: ExportSource) => ExportSource;
  /** Wraps the prober the runner calls; the daemon still closes the real one. Default: the prober itself. */
  prober?: (prober: Prober) => Prober;
  /** Runs each DaemonStep (must call `run` once and return what it returns). Default: `run()`. */
  step?: <T>(name: DaemonStep, run: () => T) => T;
  /** Called once the agent started: the agent (its stats) and the local database. Default: nothing. */
  started?: (running: { agent: Agent; ldb: LocalDatabase }) => void;
}
