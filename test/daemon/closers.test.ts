import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Closers } from '../../src/daemon/closers.js';
import { capturingLogger, messages } from '../helpers/logs.js';

test('closers run in reverse order of acquisition; one that throws is logged and the rest still run', async () => {
  const { logger, lines } = capturingLogger();
  const closers = new Closers(logger);
  const order: string[] = [];
  const lock = closers.add({ name: 'lock' }, 'instance lock', (l) => order.push(l.name));
  assert.deepEqual(lock, { name: 'lock' }, 'add returns what it was given');
  closers.add(null, 'local database', () => {
    order.push('db');
    throw new Error('disk gone');
  });
  closers.add(null, 'the drain', async () => {
    await new Promise((r) => setTimeout(r, 20));
    order.push('drain');
  });
  await closers.closeAll();
  assert.deepEqual(order, ['drain', 'db', 'lock']);
  assert.deepEqual(messages(lines), ['closing local database failed']);
  await closers.closeAll();
  assert.deepEqual(order, ['drain', 'db', 'lock'], 'a second closeAll closes nothing twice');
});

test('a closer that overruns its bound is left behind and the next one runs', async () => {
  const closers = new Closers(capturingLogger().logger);
  const order: string[] = [];
  closers.add(null, 'lock', () => order.push('lock'));
  closers.add(null, 'hung pool', () => new Promise(() => {}), 50);
  const t0 = Date.now();
  await closers.closeAll();
  assert.deepEqual(order, ['lock']);
  assert.ok(Date.now() - t0 < 2_000, `closeAll took ${Date.now() - t0} ms`);
});
