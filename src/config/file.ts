import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, errorCode, UsageError } from '../errors.js';
import { registerSecret } from '../log/secrets.js';
import { registerChannelSecrets } from './channel-secrets.js';
import { type DocumentFormat, formatOf, parseText, registerTextSecrets } from './document.js';
import { isWholeEnvRef } from './env-refs.js';
import { parseConfig } from './parse.js';
import { describeFsError, expandPath, homeDir } from './paths.js';
import { registerServiceSecrets } from './service-secrets.js';
import { type MonitorConfig, SERVICE_PATH_FIELDS } from './types.js';
import { registerUriSecrets } from './uri.js';
import { configCheckContext, configProblems } from './validate.js';

export { expandPath, homeDir };

/** `~/.monitoring/monitoring-config`, like the original. */
export function defaultConfigPath(): string {
  return join(homeDir(), '.monitoring', 'monitoring-config');
}

/** `~/.monitoring/local-database.sqlite3`, like the original. */
export function defaultLocalDatabasePath(): string {
  return join(homeDir(), '.monitoring', 'local-database.sqlite3');
}

/** A path shown to the user with the home directory spelled `~`. */
export function tildePath(path: string): string {
  const home = homeDir();
  return home && home !== '/' && (path === home || path.startsWith(`${home}/`))
    ? `~${path.slice(home.length)}`
    : path;
}

export interface ReadConfigOptions {
  /**
   * Also check every value rule (URLs, ranges, regexes, cron, the URI, duplicates) and throw on the
   * first problem. Default true: the daemon must not run on a config it would misread. The config
   * commands pass false so that a file with a bad service can still be shown and repaired.
   */
  validate?: boolean;
  /**
   * Resolve `local_database_path`: `~` is the home directory and a relative path is relative to
   * the config file's directory, so starts from two directories use one database. Default true;
   * the config commands pass false so that they write the path back as the user wrote it.
   */
  resolvePaths?: boolean;
}

/**
 * Read a config file's text and parse it as JSON, checking nothing else. Every failure is a
 * ConfigError (exit 2) that names the path and the reason in one line; E_CONFIG_MISSING when there
 * is no file. The passwords it holds are registered as secrets before anything can print them.
 */
export function readConfigDocument(path: string): unknown {
  let text: string;
  try {
    text = readRegularFile(path, 'config');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new ConfigError(
        `no config file at ${path}; create one with: monitor config create EXTERNAL_URI`,
        {
          code: 'E_CONFIG_MISSING',
        },
      );
    }
    throw err;
  }
  registerTextSecrets(text);
  return parseText(text, 'json', `config ${path}`);
}

/**
 * A document to import (JSON or YAML, see document.ts), parsed. A file that cannot be read is a
 * UsageError naming it (exit 2, one line); a syntax error a ConfigError.
 */
export function readDocumentFile(path: string): { raw: unknown; format: DocumentFormat } {
  let text: string;
  try {
    text = readRegularFile(path, 'file');
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw new UsageError(`cannot read file ${path}: ${describeFsError(err)}`);
  }
  registerTextSecrets(text);
  const format = formatOf(path, text);
  return { raw: parseText(text, format, `file ${path}`), format };
}

/** The text of a regular file; ConfigError naming `what` and the path, or the fs error for ENOENT. */
function readRegularFile(path: string, what: string): string {
  try {
    // Checked first: reading a FIFO would block forever, and a directory gives a vaguer error.
    const st = statSync(path);
    if (st.isDirectory()) throw new ConfigError(`cannot read ${what} ${path}: it is a directory`);
    if (!st.isFile()) throw new ConfigError(`cannot read ${what} ${path}: not a regular file`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError || errorCode(err) === 'ENOENT') throw err;
    throw new ConfigError(`cannot read ${what} ${path}: ${describeFsError(err)}`);
  }
}

/**
 * Read and type-check a config file. Every failure is a ConfigError (exit 2) that names the path and
 * the reason in one line; E_CONFIG_MISSING when there is no file. Registers the database password
 * as a secret so that no later message can print it.
 */
export function readConfig(path: string, options: ReadConfigOptions = {}): MonitorConfig {
  const parsed = parseConfig(readConfigDocument(path));
  if (typeof parsed === 'string') throw new ConfigError(`config ${path}: ${parsed}`);
  const baseDir = dirname(resolve(path));
  if (options.resolvePaths ?? true) resolveConfigPaths(parsed, baseDir);
  registerConfigSecrets(parsed);
  if (options.validate ?? true) {
    const problem = configProblems(parsed, configCheckContext(parsed, baseDir))[0];
    if (problem) throw new ConfigError(`config ${path}: ${problem}`);
  }
  return parsed;
}

/** Register a config's secrets (URI passwords, service tokens) so that no later message can print them. */
export function registerConfigSecrets(config: MonitorConfig): void {
  registerUriSecrets(config.external_database_uri);
  for (const service of config.services) {
    registerUriSecrets(service.url);
    registerServiceSecrets(service);
  }
  for (const channel of Object.values(config.alerts ?? {})) registerChannelSecrets(channel);
  const token = config.http?.token;
  if (typeof token === 'string' && !isWholeEnvRef(token)) registerSecret(token);
}

/**
 * Paths in the file are relative to its directory (`~` is the home directory), so that a start from
 * any directory reads the same files. A path that starts with a `${NAME}` reference is left for the
 * prober to expand.
 */
function resolveConfigPaths(config: MonitorConfig, baseDir: string): void {
  const resolvePath = (p: string): string => (p.startsWith('${') ? p : expandPath(p, baseDir));
  config.local_database_path = expandPath(config.local_database_path, baseDir);
  if (typeof config.env_file === 'string' && config.env_file !== '') {
    config.env_file = resolvePath(config.env_file);
  }
  for (const s of config.services) {
    for (const field of SERVICE_PATH_FIELDS) {
      const p = s[field];
      if (typeof p === 'string' && p !== '') s[field] = resolvePath(p);
    }
  }
}

/** The file's text as written: two-space JSON, like a person would format it, ending in a newline. */
export function serialiseConfig(config: MonitorConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface WriteConfigOptions {
  /** Replace an existing file. Default true; false makes the write fail with EEXIST atomically. */
  overwrite?: boolean;
}

/**
 * Write the config atomically: a 0600 temp file in the same directory, fsynced, then renamed over
 * the target (or hard-linked when overwrite is false, so two racing `create`s cannot both win).
 * The directory is created 0700 when missing. A crash leaves either the old file or the new one.
 */
export function writeConfig(path: string, config: MonitorConfig, options: WriteConfigOptions = {}): void {
  const dir = ensureConfigDir(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, serialiseConfig(config));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.overwrite ?? true) {
      renameSync(tmp, path);
    } else {
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
    syncDirectory(dir);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or never created.
    }
    if (errorCode(err) === 'EEXIST') {
      throw new ConfigError(`config ${path} already exists; pass --force to overwrite it`);
    }
    throw new ConfigError(`cannot write config ${path}: ${describeFsError(err)}`);
  }
}

/** Create the config's directory (0700) when missing; returns it. */
export function ensureConfigDir(path: string): string {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`cannot create directory ${dir} for config ${path}: ${describeFsError(err)}`);
  }
  return dir;
}

/** Make the rename durable; some filesystems refuse fsync on a directory, which is harmless. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort only.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Delete the config file; ConfigError E_CONFIG_MISSING when there is none. */
export function deleteConfig(path: string): void {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ConfigError(`cannot delete config ${path}: not a regular file`);
    unlinkSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (errorCode(err) === 'ENOENT') {
      throw new ConfigError(`no config file at ${path}`, { code: 'E_CONFIG_MISSING' });
    }
    throw new ConfigError(`cannot delete config ${path}: ${describeFsError(err)}`);
  }
}
