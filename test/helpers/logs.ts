import { Writable } from 'node:stream';
import { createLogger, type Logger, type LoggerOptions } from '../../src/log/logger.js';

/**
 * A real pino logger (through the project's scrubbing destination) that keeps its lines, one JSON
 * record a line. `level` defaults to 'debug', so that every line a test might look for is kept.
 */
export function capturingLogger(level: LoggerOptions['level'] = 'debug'): {
  logger: Logger;
  lines: string[];
  text(): string;
} {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(l);
      done();
    },
  });
  const logger = createLogger({ level, format: 'json', stream });
  return { logger, lines, text: () => lines.join('\n') };
}

/** Messages of the captured lines (parsed JSON). */
export function messages(lines: readonly string[]): string[] {
  return lines.map((l) => String((JSON.parse(l) as { msg?: unknown }).msg ?? ''));
}
