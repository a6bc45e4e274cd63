import { MonitorError } from '../errors.js';

/**
 * The one grammar of `${NAME}` references in a service's request options (headers, body,
 * basic_auth, bearer, file paths). The config file keeps the reference; the prober expands it at
 * probe time, so a secret lives only in the environment (or the `env_file`), never in the file.
 *
 * `${` starts a reference that must be a name (`[A-Za-z_][A-Za-z0-9_]*`) and a `}`; a `$` not
 * followed by `{` is an ordinary character. Messages name the reference, never the text around it
 * (the text may be a secret) nor a variable's value.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A malformed reference: `${}`, `${1X}`, an unterminated `${`. Exit 2, like any bad value. */
export class EnvRefError extends MonitorError {
  constructor(message: string) {
    super('E_ENV_REF', message, { exitCode: 2 });
  }
}

/** A reference to a variable the environment does not have; names the variable only. */
export class MissingEnvError extends MonitorError {
  readonly variable: string;
  constructor(variable: string) {
    super('E_ENV_MISSING', `environment variable ${variable} is not set`);
    this.variable = variable;
  }
}

interface Ref {
  name: string;
  start: number;
  end: number;
}

function scan(text: string): Ref[] {
  const refs: Ref[] = [];
  let at = text.indexOf('${');
  while (at >= 0) {
    const close = text.indexOf('}', at + 2);
    if (close < 0) throw new EnvRefError(`unterminated '\${' at character ${at + 1} (write \${NAME})`);
    const name = text.slice(at + 2, close);
    if (name === '') throw new EnvRefError(`empty reference '\${}' at character ${at + 1}`);
    if (!NAME.test(name)) {
      const shown = name.length > 20 ? `${name.slice(0, 20)}…` : name;
      throw new EnvRefError(
        `bad reference '\${${shown}}': a name is a letter or _ then letters, digits or _`,
      );
    }
    refs.push({ name, start: at, end: close + 1 });
    at = text.indexOf('${', close + 1);
  }
  return refs;
}

/** The names `text` refers to, in order, each once; throws EnvRefError on a malformed reference. */
export function findEnvRefs(text: string): string[] {
  return [...new Set(scan(text).map((r) => r.name))];
}

/** True when `text` is exactly one reference, e.g. `${API_TOKEN}` (shown unmasked: no secret in it). */
export function isWholeEnvRef(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text);
}

/**
 * `text` with every reference replaced by its variable's value. Throws EnvRefError on a malformed
 * reference and MissingEnvError, naming the variable, when `env` lacks one.
 */
export function expandEnvRefs(text: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  let from = 0;
  for (const ref of scan(text)) {
    const value = env[ref.name];
    if (value === undefined) throw new MissingEnvError(ref.name);
    out += text.slice(from, ref.start) + value;
    from = ref.end;
  }
  return out + text.slice(from);
}
