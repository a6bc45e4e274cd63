import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNotifier, type Notifier } from '../../src/notify/notifier.js';
import { channelOf, never, sampleEvent } from './fixtures.js';

const SECRET = 'cmd-secret-77aa66';
let dir: string;
let notifier: Notifier;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'notify-command-'));
  notifier = createNotifier({ env: { PATH: process.env.PATH, PAGER_KEY: SECRET } });
});
after(async () => {
  await notifier.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A command target running `script` with node; the script's process.argv[1..] are `args`. */
const nodeTarget = (script: string, ...args: string[]) =>
  JSON.stringify([process.execPath, '-e', script, ...args]);

/** The process is gone: no such pid, or a zombie waiting for its (re)parent to reap it. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

test('command: the event JSON on stdin, its id in the environment; exit 0 accepted', async () => {
  const out = join(dir, 'stdin.json');
  const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{require('fs').writeFileSync(process.argv[1], JSON.stringify({stdin:s,id:process.env.MONITOR_EVENT_ID,kind:process.env.MONITOR_EVENT_KIND}))})`;
  const event = sampleEvent('down');
  const res = await notifier.deliver(channelOf('command', nodeTarget(script, out)), event, never);
  assert.deepEqual([res.status, res.code], ['accepted', 0], res.detail);
  const got = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(JSON.parse(got.stdin), event);
  assert.equal(got.id, event.event_id);
  assert.equal(got.kind, 'down');
});

test('command: a nonzero exit → retry, the last stderr line as the detail', async () => {
  const script = `process.stderr.write('starting\\nthe pager is unreachable\\n\\n');process.exit(3)`;
  const res = await notifier.deliver(channelOf('command', nodeTarget(script)), sampleEvent(), never);
  assert.deepEqual([res.status, res.code, res.detail], ['retry', 3, 'exit 3: the pager is unreachable']);
});

test('command: a whitespace-separated target runs too', async () => {
  const res = await notifier.deliver(
    channelOf('command', `${process.execPath} -e process.exit(4)`),
    sampleEvent(),
    never,
  );
  assert.deepEqual([res.status, res.code], ['retry', 4], res.detail);
});

test('command: a program that does not exist → failed', async () => {
  const res = await notifier.deliver(
    channelOf('command', '/nonexistent/monitor-pager --now'),
    sampleEvent(),
    never,
  );
  assert.equal(res.status, 'failed');
  assert.match(res.detail, /ENOENT/);
});

test('command: past the timeout its whole process group is killed → retry', async () => {
  const pids = join(dir, 'pids');
  // The command starts a grandchild (same process group), writes both pids, then sleeps.
  const script = [
    `const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});`,
    `require('fs').writeFileSync(process.argv[1], process.pid+' '+c.pid);`,
    'setInterval(()=>{},1000);',
  ].join('');
  const res = await notifier.deliver(
    channelOf('command', nodeTarget(script, pids), { timeoutMs: 2000 }),
    sampleEvent(),
    never,
  );
  assert.deepEqual([res.status, res.code, res.detail], ['retry', null, 'timeout after 2000 ms']);
  assert.ok(existsSync(pids), 'the command started before its deadline');
  const [pid, grandchild] = readFileSync(pids, 'utf8').split(' ').map(Number) as [number, number];
  assert.ok(gone(pid), `command ${pid} still running`);
  // The grandchild was killed by the same signal; its new parent reaps it in its own time.
  for (let i = 0; i < 50 && !gone(grandchild); i++) await sleep(20);
  assert.ok(gone(grandchild), `grandchild ${grandchild} still running`);
});

test('command: ${NAME} in the argv is expanded and never shown in a detail', async () => {
  const script = `process.stderr.write('called with '+process.argv[1]+'\\n');process.exit(1)`;
  const target = JSON.stringify([process.execPath, '-e', script, 'key=${PAGER_KEY}']);
  const res = await notifier.deliver(channelOf('command', target), sampleEvent(), never);
  assert.equal(res.status, 'retry');
  assert.equal(res.detail, 'exit 1: called with key=****');
});
