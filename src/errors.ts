/**
 * Error classes with stable codes. Every `catch (e: unknown)` goes through `toError` once,
 * so the rest of the code only ever sees `Error` instances.
 */

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_CONFIG_MISSING'
  | 'E_CONFIG_INVALID'
  | 'E_CONFIG_BUSY'
  | 'E_CONDITION'
  | 'E_LOCKED'
  | 'E_LOCAL_DB'
  | 'E_REMOTE'
  | 'E_ABORTED'
  | 'E_ENV_REF'
  | 'E_ENV_MISSING'
  | 'E_ENV_FILE'
  | 'E_HTTP';

export class MonitorError extends Error {
  readonly code: ErrorCode;
  /** Process exit code the CLI uses when this error reaches the top. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/**
 * The one abort error: the monitor is shutting down and cut this work short. The runner aborts its
 * handlers and probes with it; the prober passes it on to the probes it fans the shutdown out to.
 */
export class AbortedError extends MonitorError {
  constructor(message = 'the monitor is shutting down') {
    super('E_ABORTED', message);
  }
}

/** Bad command-line input or a bad value for a config field: exit code 2, nothing written. */
export class UsageError extends MonitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, { ...options, exitCode: 2 });
  }
}

/** The config file cannot be read or is not a valid config: exit code 2. */
export class ConfigError extends MonitorError {
  constructor(message: string, options?: { cause?: unknown; code?: 'E_CONFIG' | 'E_CONFIG_MISSING' }) {
    super(options?.code ?? 'E_CONFIG', message, { ...options, exitCode: 2 });
  }
}

/**
 * A config document with problems, every one listed (one line each in `problems`), not just the
 * first: `config validate` and `config import`. Exit code 2; nothing was written.
 */
export class ConfigProblemsError extends MonitorError {
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[]) {
    super('E_CONFIG_INVALID', message, { exitCode: 2 });
    this.problems = problems;
  }
}

/**
 * A service's condition is outside the condition language (src/config/conditions.ts): exit code 2.
 * The message is one line naming the problem and its column.
 */
export class ConditionError extends MonitorError {
  declare readonly code: 'E_CONDITION';

  constructor(message: string) {
    super('E_CONDITION', message, { exitCode: 2 });
  }
}

/** Another process holds the local database. */
export class LockedError extends MonitorError {
  constructor(message: string) {
    super('E_LOCKED', message, { exitCode: 2 });
  }
}

/** The local SQLite database cannot be opened or is not ours. */
export class LocalDatabaseError extends MonitorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_LOCAL_DB', message, { ...options, exitCode: 1 });
  }
}

/** Normalise anything thrown into an Error. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/** The `code` property Node and libraries put on errors (ECONNREFUSED, UND_ERR_*, SQLSTATE …). */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
    if (typeof code === 'number') return String(code);
  }
  return undefined;
}
