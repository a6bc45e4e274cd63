import { readFileSync, statSync } from 'node:fs';
import { MonitorError, toError } from '../errors.js';
import { describeFsError, expandPath } from './paths.js';

/**
 * The top-level `env_file`: KEY=VALUE lines the daemon loads in addition to its environment, so a
 * service's `${NAME}` references can be filled without exporting secrets in a unit file. It must be
 * readable by its owner only, like an ssh key: a secret file others can read is refused.
 *
 * Hand-written rather than dotenv (not a dependency, and the format needed is small):
 *   # comment            blank lines and lines starting with # are skipped
 *   NAME=value           the value is trimmed; ` #…` after it is a comment
 *   export NAME=value    `export ` is allowed, so the file can also be sourced by a shell
 *   NAME="a \"b\"\n"     double quotes: \n, \r, \t, \", \\ are escapes
 *   NAME='literal'       single quotes: taken as written
 * Messages name the file and the line number, never a line's text (it holds a secret).
 */

export class EnvFileError extends MonitorError {
  constructor(message: string) {
    super('E_ENV_FILE', message, { exitCode: 2 });
  }
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function unquote(raw: string, where: string): string {
  if (raw.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(raw);
    if (!m) throw new EnvFileError(`${where}: unterminated double quote`);
    return (m[1] ?? '').replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
  }
  if (raw.startsWith("'")) {
    const m = /^'([^']*)'\s*(?:#.*)?$/.exec(raw);
    if (!m) throw new EnvFileError(`${where}: unterminated single quote`);
    return m[1] ?? '';
  }
  return raw.replace(/\s+#.*$/, '').trim();
}

/** The variables of an env file's text; `path` is only for messages. */
export function parseEnvFile(text: string, path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const where = `env file ${path} line ${i + 1}`;
      const m = LINE.exec(trimmed);
      if (!m) throw new EnvFileError(`${where}: expected NAME=VALUE (NAME: letters, digits, _)`);
      vars[m[1]!] = unquote(m[2] ?? '', where);
    });
  return vars;
}

/**
 * Read an env file after checking it: a regular file, not readable or writable by group or others
 * (mode & 0o077 == 0). Throws EnvFileError with one line naming the path and the problem.
 */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new EnvFileError(`env_file ${path} is not a regular file`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new EnvFileError(
        `env_file ${path} is readable or writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof EnvFileError) throw err;
    throw new EnvFileError(`cannot read env_file ${path}: ${describeFsError(err)}`);
  }
  return parseEnvFile(text, path);
}

/** readEnvFile's problem as a message, or null when the file is fine. */
export function checkEnvFile(path: string): string | null {
  try {
    readEnvFile(path);
    return null;
  } catch (err) {
    return toError(err).message;
  }
}

/**
 * The variables `${NAME}` references are filled from: the env file's, when it is set and passes
 * readEnvFile, with the process environment winning over it (as dotenv does: the file fills gaps).
 * A bad env file is ignored here; the config's validation reports it.
 */
export function referenceEnv(
  envFile: string | null | undefined,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  if (envFile == null || envFile === '') return { ...env };
  try {
    return { ...readEnvFile(expandPath(envFile, baseDir)), ...env };
  } catch {
    return { ...env };
  }
}
