import pino, { type Logger } from 'pino';
import { scrub } from './secrets.js';
import { guardStream, safeWrite } from './stdio.js';

export type { Logger } from 'pino';
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * The original's verbosity: none or one `-v` = critical only, 2 = error, 3 = warning, 4 = info,
 * 5+ = debug. pino has no "critical"; `fatal` is its equivalent.
 */
export function levelForVerbosity(v: number): pino.Level {
  if (v <= 1) return 'fatal';
  if (v === 2) return 'error';
  if (v === 3) return 'warn';
  if (v === 4) return 'info';
  return 'debug';
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The original's line shape: `LEVEL | 2024-04-22 12:35:30,970 | module | message key=value…`. */
export function formatPretty(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, module, pid: _pid, hostname: _host, ...rest } = rec;
  const d = new Date(typeof time === 'number' ? time : Date.now());
  const ts = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const name = LEVEL_NAMES[level as number] ?? String(level);
  return `${name} | ${ts} | ${String(module ?? 'monitor')} | ${String(msg ?? '')}${extras ? ` | ${extras}` : ''}\n`;
}

export interface LoggerOptions {
  /** pino level. Default 'info'. */
  level?: pino.LevelWithSilent;
  /** 'auto' (the default) is pretty on a terminal and JSON lines otherwise. */
  format?: LogFormat;
  /** Where lines go. Default: standard error, so stdout stays for command output. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && Boolean((stream as { isTTY?: boolean }).isTTY));
  // A reader that went away (EPIPE) degrades logging to nothing; it never ends the process.
  guardStream(stream);
  const destination = {
    write(s: string): void {
      const clean = scrub(s);
      safeWrite(stream, pretty ? formatPretty(clean) : clean);
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    destination,
  );
}

/** A logger that drops everything, for commands and tests that do not want logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
