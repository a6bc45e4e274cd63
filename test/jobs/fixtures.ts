import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ResolvedService, resolveService } from '../../src/config/resolve.js';
import {
  createJobStore,
  type LocalDatabase,
  type LocalJobStore,
  openLocalDatabase,
} from '../../src/db/local/index.js';

/** A real local database in a temp dir; `cleanup` closes it and removes the dir. */
export function tempStore(): {
  dir: string;
  path: string;
  ldb: LocalDatabase;
  store: LocalJobStore;
  reopen(): { ldb: LocalDatabase; store: LocalJobStore };
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-jobs-'));
  const path = join(dir, 'local.sqlite3');
  const state = { ldb: openLocalDatabase(path) };
  const self = {
    dir,
    path,
    ldb: state.ldb,
    store: createJobStore(state.ldb),
    reopen() {
      state.ldb.close();
      state.ldb = openLocalDatabase(path);
      self.ldb = state.ldb;
      self.store = createJobStore(state.ldb);
      return { ldb: self.ldb, store: self.store };
    },
    cleanup() {
      state.ldb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** A service as the config would resolve it, with the interval in ms (tests use sub-second ones). */
export function service(
  url: string,
  over: Partial<ResolvedService> & { regex?: string | null } = {},
): ResolvedService {
  const base = resolveService({
    url,
    method: 'GET',
    check_regex: over.regex != null,
    regex: over.regex ?? null,
    interval_sec: 5,
    timeout: 15,
  });
  return { ...base, ...over, key: base.key };
}

export interface TestServer {
  url: string;
  origin: string;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Most requests in flight at once, overall. */
  maxInFlight: number;
  /** Most requests in flight at once per path. */
  maxInFlightByPath: Map<string, number>;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1. `delayMs(path)` says how long to wait before answering
 * (Infinity: never answer); requests that never get an answer are destroyed at close.
 */
export async function startServer(delayMs: (path: string) => number = () => 0): Promise<TestServer> {
  const hits = new Map<string, number>();
  const inFlightByPath = new Map<string, number>();
  const maxInFlightByPath = new Map<string, number>();
  let inFlight = 0;
  const self = { maxInFlight: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    inFlight++;
    self.maxInFlight = Math.max(self.maxInFlight, inFlight);
    const n = (inFlightByPath.get(path) ?? 0) + 1;
    inFlightByPath.set(path, n);
    maxInFlightByPath.set(path, Math.max(maxInFlightByPath.get(path) ?? 0, n));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      inFlightByPath.set(path, (inFlightByPath.get(path) ?? 1) - 1);
    };
    res.on('close', finish);
    const delay = delayMs(path);
    if (delay === Number.POSITIVE_INFINITY) return;
    const answer = () => res.end('ok: healthy\n');
    if (delay <= 0) answer();
    else setTimeout(answer, delay);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    hits,
    get maxInFlight() {
      return self.maxInFlight;
    },
    maxInFlightByPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface JobRowView {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  dedupe_key: string | null;
  run_at: number;
}

export function jobRows(ldb: LocalDatabase, kind?: string): JobRowView[] {
  const sql = `SELECT id, kind, state, attempts, max_attempts, last_error, dedupe_key, run_at FROM jobs${
    kind ? ' WHERE kind = ?' : ''
  } ORDER BY id`;
  return (kind ? ldb.sqlite.prepare(sql).all(kind) : ldb.sqlite.prepare(sql).all()) as JobRowView[];
}

export interface ResultRowView {
  id: string;
  service_key: string;
  scheduled_at: number;
  started_at: number | null;
  finished_at: number;
  status_code: number | null;
  ok: number;
  error_class: string | null;
  error_message: string | null;
}

export function resultRows(ldb: LocalDatabase): ResultRowView[] {
  return ldb.sqlite
    .prepare(
      `SELECT id, service_key, scheduled_at, started_at, finished_at, status_code, ok, error_class, error_message
       FROM results ORDER BY scheduled_at, service_key`,
    )
    .all() as ResultRowView[];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `check` every 20 ms until it is true or `ms` passed; returns its last value. */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}
