import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { getTestDatabaseUrl, startTestPostgres } from '../../helpers/pg.js';

test('getTestDatabaseUrl gives a fresh, empty database per call', async () => {
  const a = await getTestDatabaseUrl();
  const b = await getTestDatabaseUrl();
  assert.notEqual(a, b);
  const client = new pg.Client({ connectionString: a });
  await client.connect();
  try {
    const { rows } = await client.query<{ db: string; n: string }>(
      `SELECT current_database() AS db, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS n`,
    );
    assert.equal(rows[0]?.db, new URL(a).pathname.slice(1));
    assert.equal(rows[0]?.n, '0');
  } finally {
    await client.end();
  }
});

test('startTestPostgres gives a separate server that stops and starts on the same port', async () => {
  const server = await startTestPostgres();
  try {
    const q = async (): Promise<number> => {
      const c = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 3000 });
      await c.connect();
      try {
        const { rows } = await c.query<{ one: number }>('SELECT 1 AS one');
        return rows[0]?.one ?? 0;
      } finally {
        await c.end();
      }
    };
    assert.equal(await q(), 1);
    await server.stop();
    await assert.rejects(q(), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    await server.start();
    assert.equal(await q(), 1);
  } finally {
    await server.destroy();
  }
});
