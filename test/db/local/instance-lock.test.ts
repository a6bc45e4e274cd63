import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireInstanceLock } from '../../../src/db/local/index.js';
import { LockedError } from '../../../src/errors.js';
import { tempDir } from './fixtures.js';

const moduleUrl = new URL('../../../src/db/local/index.js', import.meta.url).href;

/** A child process that takes the lock and holds it, reporting "locked" or its error. */
function spawnHolder(dbPath: string): ChildProcess {
  const code = `
    const m = await import(${JSON.stringify(moduleUrl)});
    try {
      m.acquireInstanceLock(${JSON.stringify(dbPath)});
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    } catch (e) {
      process.stderr.write(e.message + '\\n');
      process.exit(e.exitCode ?? 1);
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr'): Promise<string> {
  let buf = '';
  const s = child[stream]!;
  s.setEncoding('utf8');
  return await new Promise<string>((resolve, reject) => {
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`child exited ${code} before a line on ${stream}: ${buf}`)),
    );
  });
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

test('in one process: the second acquire fails at once, release lets it through', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const db = join(dir, 'sub', 'monitor.db');
  const lock = acquireInstanceLock(db);
  assert.equal(statSync(lock.lockPath).mode & 0o777, 0o600);
  assert.throws(
    () => acquireInstanceLock(db),
    (e: unknown) =>
      e instanceof LockedError &&
      e.exitCode === 2 &&
      e.message.includes(`pid ${process.pid}`) &&
      e.message.includes(db),
  );
  lock.release();
  lock.release(); // idempotent
  acquireInstanceLock(db).release();
});

test('a second process is refused with exit 2 naming the holder; SIGKILL of the holder frees the lock', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const db = join(dir, 'monitor.db');
  const holder = spawnHolder(db);
  t.after(() => holder.kill('SIGKILL'));
  assert.equal(await waitForLine(holder, 'stdout'), 'locked');

  const second = spawnHolder(db);
  t.after(() => second.kill('SIGKILL'));
  const message = await waitForLine(second, 'stderr');
  assert.equal((await exitOf(second)).code, 2);
  assert.match(message, new RegExp(`in use by another monitor process \\(pid ${holder.pid}\\)`));

  assert.throws(() => acquireInstanceLock(db), LockedError);

  holder.kill('SIGKILL');
  assert.equal((await exitOf(holder)).signal, 'SIGKILL');
  // The kernel dropped the dead holder's lock: a new process (and this one) can take it.
  const next = spawnHolder(db);
  t.after(() => next.kill('SIGKILL'));
  assert.equal(await waitForLine(next, 'stdout'), 'locked');
  next.kill('SIGKILL');
  await exitOf(next);
  const mine = acquireInstanceLock(db);
  mine.release();
});
