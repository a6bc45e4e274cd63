import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';

export interface ConfirmOptions {
  /** `--yes`: answer yes without asking. Default false. */
  yes?: boolean;
  /** Where the answer is read: a terminal, or a pipe whose first line is the answer. Default process.stdin. */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question is written. Default process.stderr, so stdout stays for command output. */
  output?: NodeJS.WritableStream;
  /** Stops waiting for an answer (counts as no). */
  signal?: AbortSignal;
}

/** click's confirm: `y` or `yes` in any case is yes; anything else, an empty line included, is no. */
function isYes(answer: string): boolean {
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * Ask a `[y/N]` question like the original's click prompts. On a terminal the user types the
 * answer; otherwise the first line of stdin is the answer, so `yes | monitor start` and
 * `echo y | monitor config services remove 0` keep working. Only when stdin ends without giving
 * a single line is there no answer at all: that fails with a UsageError naming --yes rather than
 * guessing.
 */
export async function confirm(question: string, options: ConfirmOptions = {}): Promise<boolean> {
  if (options.yes) return true;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  const signal = options.signal ?? new AbortController().signal;
  const prompt = `${question} [y/N]: `;
  if (!input.isTTY) {
    const answer = await firstLine(input, signal);
    if (answer === null) {
      throw new UsageError(
        `${question.replace(/\?$/, '')}: no answer (stdin is not a terminal and gave no input); pass --yes`,
      );
    }
    // Nothing is echoed by a pipe: show the question with its answer so a transcript reads right.
    output.write(`${prompt}${answer}\n`);
    return isYes(answer);
  }
  const rl = createInterface({ input, output, terminal: true });
  // question() never settles when the input ends first (Ctrl-D); a closed prompt answers no.
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  // In terminal mode readline swallows Ctrl-C; treat it as a no rather than leave the prompt hanging.
  rl.on('SIGINT', () => rl.close());
  try {
    const asked = rl.question(prompt, { signal }).catch(() => ''); // An abort is a no.
    return isYes(await Promise.race([asked, closed]));
  } finally {
    rl.close();
  }
}

/**
 * The first line of a non-terminal input ('' for an empty line, a last line without a newline
 * counts), or null when it ends with no input at all. An abort reads as an empty line (a no).
 * Reading stops there: the rest (`yes` never ends) is left unread.
 */
async function firstLine(input: NodeJS.ReadableStream, signal: AbortSignal): Promise<string | null> {
  const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  let onAbort = () => {};
  try {
    return await new Promise<string | null>((resolve) => {
      rl.once('line', (line) => resolve(line));
      rl.once('close', () => resolve(null));
      onAbort = () => resolve('');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    rl.close();
  }
}
