import { readFileSync } from 'node:fs';

/** The version in package.json, resolved from this file so it works from any cwd. */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
