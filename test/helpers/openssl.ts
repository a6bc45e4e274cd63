import { execFileSync } from 'node:child_process';

/** Runs the openssl CLI in `dir`; a hung openssl fails the test after 20 s instead of hanging it. */
export function openssl(dir: string, args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
}

/** `req` arguments for a new P-256 key, unencrypted, written to `file`. */
export function newKeyArgs(file: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file];
}
