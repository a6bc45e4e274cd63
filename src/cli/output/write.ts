/** Command output goes to stdout (logs go to stderr through pino). */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** --json output: one JSON document, pretty-printed, then a newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
