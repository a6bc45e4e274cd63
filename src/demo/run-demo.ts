import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { MonitorConfig } from '../config/types.js';
import { registerSecret } from '../log/secrets.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { startExampleApp } from './example-app.js';

export interface DemoOptions {
  /** How long the monitor runs. Default 20 s. */
  seconds: number;
  /** Keep the temporary directory (config, local database) for a look afterwards. Default false. */
  keep: boolean;
  out: NodeJS.WritableStream;
}

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/monitor.js');

export interface DemoRow {
  url: string;
  method: string;
  probes: number;
  ok: number;
  status: string;
  error_class: string;
  avg_ms: string;
}

/**
 * `monitor demo`: the original tutorial on one machine without Docker — a real PostgreSQL, the
 * example app, a config with a healthy, a regex-failing and a timing-out service, the real
 * `monitor start` for a while, then what arrived in PostgreSQL.
 */
export async function runDemo(options: DemoOptions): Promise<DemoRow[]> {
  const say = (s: string) => options.out.write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'monitor-demo-'));
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  };
  const onInterrupt = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    say('Starting PostgreSQL (embedded) and the example app on free local ports…');
    const pgDir = join(dir, 'postgres');
    mkdirSync(pgDir);
    const db = await startEmbeddedPostgres({ baseDir: pgDir });
    cleanups.push(() => db.destroy());
    registerSecret(new URL(db.url).password);
    const app = await startExampleApp({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());

    const configPath = join(dir, 'monitoring-config');
    const config: MonitorConfig = {
      local_database_path: join(dir, 'local-database.sqlite3'),
      external_database_uri: db.url,
      services: [
        { url: `${app.url}/`, method: 'GET', check_regex: false, regex: null, interval_sec: 5, timeout: 15 },
        {
          url: `${app.url}/openapi.json`,
          method: 'GET',
          check_regex: true,
          regex: '\\{"openapi":"2\\.0"',
          interval_sec: 5,
          timeout: 15,
        },
        {
          url: `${app.url}/slow`,
          method: 'GET',
          check_regex: false,
          regex: null,
          interval_sec: 5,
          timeout: 2,
        },
      ],
    };
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    say(`Config: ${configPath}`);
    say('Services: a healthy one, one whose regex does not match, one that times out (2 s).');
    say(`Running: monitor start --yes -vvvv --config-path ${configPath}   (for ${options.seconds} s)\n`);

    const child = spawn(
      process.execPath,
      // Any free loopback port: the log says which, and a daemon already on 9464 is no obstacle.
      [
        BIN,
        'start',
        '--yes',
        '-vvvv',
        '--log-format',
        'pretty',
        '--config-path',
        configPath,
        '--http',
        '127.0.0.1:0',
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const timer = new Promise<'time'>((res) => setTimeout(() => res('time'), options.seconds * 1000));
    const first = await Promise.race([timer, exited]);
    if (first !== 'time') throw new Error(`monitor start exited early with code ${String(first)}`);
    child.kill('SIGTERM');
    const code = await exited;
    say(`\nmonitor start stopped with exit code ${String(code)} after SIGTERM.\n`);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const res = await client.query<DemoRow>(
        `SELECT url, method, count(*)::int AS probes, count(*) FILTER (WHERE ok)::int AS ok,
                string_agg(DISTINCT coalesce(status_code::text, '-'), ',') AS status,
                string_agg(DISTINCT coalesce(error_class, '-'), ',') AS error_class,
                round(avg(duration_ms))::text AS avg_ms
           FROM monitoring GROUP BY url, method ORDER BY url`,
      );
      return res.rows;
    } finally {
      await client.end();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    await cleanup();
  }
}
