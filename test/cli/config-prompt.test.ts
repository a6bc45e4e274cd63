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

/** A real pipe-like stream (not a terminal) holding `text`, then ended. */
function piped(text: string): PassThrough & { isTTY: boolean } {
  const input = Object.assign(new PassThrough(), { isTTY: false });
  input.end(text);
  return input;
}

test('no terminal, no --yes and no input at all: a UsageError telling to pass --yes', async () => {
  await assert.rejects(
    confirm('Delete it?', { input: piped(''), output: new PassThrough() }),
    (e: unknown) =>
      e instanceof UsageError &&
      /^Delete it: no answer \(stdin is not a terminal and gave no input\); pass --yes$/.test(e.message),
  );
});

/** An output stream that keeps what was written to it. */
function recorded(): { output: PassThrough; text(): string } {
  const output = new PassThrough();
  let written = '';
  output.on('data', (d: Buffer) => {
    written += d.toString();
  });
  return { output, text: () => written };
}

test('a piped answer: the first line decides like click (y / yes is yes, anything else no)', async () => {
  const { output, text: shown } = recorded();
  assert.equal(await confirm('Go?', { input: piped('y\n'), output }), true);
  // The pipe echoes nothing, so the answer is shown after the question.
  assert.equal(shown(), 'Go? [y/N]: y\n');
  assert.equal(await confirm('Go?', { input: piped('Yes\r\nno\n'), output }), true);
  assert.equal(await confirm('Go?', { input: piped('y'), output }), true, 'a last line without newline');
  assert.equal(await confirm('Go?', { input: piped('n\ny\n'), output }), false, 'only the first line');
  assert.equal(await confirm('Go?', { input: piped('\n'), output }), false, 'an empty line is no');
  assert.equal(await confirm('Go?', { input: piped('yep\n'), output }), false);
});

test('a piped prompt stops waiting when its signal aborts: a no', async () => {
  const input = Object.assign(new PassThrough(), { isTTY: false }); // open, never written
  const controller = new AbortController();
  setImmediate(() => controller.abort());
  assert.equal(await confirm('Go?', { input, output: new PassThrough(), signal: controller.signal }), false);
  input.destroy();
});

test('a terminal answer: y / yes is yes, anything else and end of input are no', async () => {
  const { output, text: asked } = recorded();
  assert.equal(await confirm('Go?', { input: terminal('y\n'), output }), true);
  assert.match(asked(), /Go\? \[y\/N\]: /);
  assert.equal(await confirm('Go?', { input: terminal('YES\n'), output }), true);
  assert.equal(await confirm('Go?', { input: terminal('n\n'), output }), false);
  assert.equal(await confirm('Go?', { input: terminal('\n'), output }), false);
  assert.equal(await confirm('Go?', { input: terminal(null), output }), false);
});
