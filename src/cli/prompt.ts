import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';

export interface ConfirmOptions {
  /** `--yes`: answer yes without asking. Default false. */
  yes?: boolean;
  /** Where the answer is read. Default process.stdin; it must be a terminal. */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question is written. Default process.stderr, so stdout stays for command output. */
  output?: NodeJS.WritableStream;
  /** Stops waiting for an answer (counts as no). */
  signal?: AbortSignal;
}

/**
 * Ask a `[y/N]` question, like the original's click prompts. Without a terminal on stdin there is
 * nobody to answer, so instead of hanging (or reading a script's piped data as the answer) it fails
 * with a UsageError that says to pass --yes.
 */
export async function confirm(question: string, options: ConfirmOptions = {}): Promise<boolean> {
  if (options.yes) return true;
  const input = options.input ?? process.stdin;
  if (!input.isTTY) {
    throw new UsageError(`${question.replace(/\?$/, '')}: refusing to ask without a terminal; pass --yes`);
  }
  const rl = createInterface({ input, output: options.output ?? process.stderr, terminal: true });
  // question() never settles when the input ends first (Ctrl-D); a closed prompt answers no.
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  // In terminal mode readline swallows Ctrl-C; treat it as a no rather than leave the prompt hanging.
  rl.on('SIGINT', () => rl.close());
  try {
    const asked = rl
      .question(`${question} [y/N]: `, { signal: options.signal ?? new AbortController().signal })
      .catch(() => ''); // An abort is a no.
    const answer = await Promise.race([asked, closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
