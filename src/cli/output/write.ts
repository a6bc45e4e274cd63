import { safeWrite } from '../../log/stdio.js';

/** Command output goes to stdout (logs go to stderr through pino). */
export function printLine(text = ''): void {
  safeWrite(process.stdout, `${text}\n`);
}

/** --json output: one JSON document, pretty-printed, then a newline. */
export function printJson(value: unknown): void {
  safeWrite(process.stdout, `${JSON.stringify(value, null, 2)}\n`);
}

/** A whole document that already ends its lines (e.g. `config export`), written as is. */
export function printText(text: string): void {
  safeWrite(process.stdout, text);
}

/** A warning: one line on stderr, the command still succeeds. */
export function printWarning(text: string): void {
  safeWrite(process.stderr, `monitor: warning: ${text}\n`);
}
