import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { errorCode, toError } from '../errors.js';

/** HOME from the environment first, so that tests and users can point the CLI at another home. */
export function homeDir(): string {
  return process.env['HOME'] || homedir();
}

/** `~` and `~/x` expanded to the home directory; a relative path resolved against `base`. */
export function expandPath(p: string, base: string): string {
  const expanded = p === '~' ? homeDir() : p.startsWith('~/') ? `${homeDir()}${p.slice(1)}` : p;
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}

/** A file-system error in a few words, for one-line messages that already name the path. */
export function describeFsError(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return toError(err).message;
  }
}
