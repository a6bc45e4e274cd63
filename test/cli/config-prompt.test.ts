import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { confirm } from '../../src/cli/prompt.js';
import { UsageError } from '../../src/errors.js';

/** A real stream that claims to be a terminal, standing in for a user at a keyboard. */
function terminal(answer: string | null): PassThrough & { isTTY: boolean } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  if (answer === null) input.end();
  else setImmediate(() => input.write(answer));
  return input;
}

test('--yes answers without asking', async () => {
  assert.equal(
    await confirm('Really?', { yes: true, input: Object.assign(new PassThrough(), { isTTY: false }) }),
    true,
  );
});

test('no terminal and no --yes: a UsageError telling to pass --yes', async () => {
  await assert.rejects(
    confirm('Delete it?', { input: Object.assign(new PassThrough(), { isTTY: false }) }),
    (e: unknown) =>
      e instanceof UsageError &&
      /^Delete it: refusing to ask without a terminal; pass --yes$/.test(e.message),
  );
});

test('a terminal answer: y / yes is yes, anything else and end of input are no', async () => {
  const output = new PassThrough();
  let asked = '';
  output.on('data', (d: Buffer) => {
    asked += d.toString();
  });
  assert.equal(await confirm('Go?', { input: terminal('y\n'), output }), true);
  assert.match(asked, /Go\? \[y\/N\]: /);
  assert.equal(await confirm('Go?', { input: terminal('YES\n'), output }), true);
  assert.equal(await confirm('Go?', { input: terminal('n\n'), output }), false);
  assert.equal(await confirm('Go?', { input: terminal('\n'), output }), false);
  assert.equal(await confirm('Go?', { input: terminal(null), output }), false);
});
