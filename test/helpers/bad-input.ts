import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileDigest, runMonitor } from './cli.js';

/** One bad command line and what its single stderr line must say. */
export interface BadInputCase {
  args: string[];
  /** What the single stderr line must say. */
  error: RegExp;
  /** The config path that must stay unchanged. Default: the suite's default config. */
  config?: string;
}

/** The names in a directory, or null when there is none (a missing-config case must not create it). */
function listing(dir: string): string[] | null {
  return existsSync(dir) ? readdirSync(dir).sort() : null;
}

/**
 * Runs each case as a subtest named by its key: exit 2, exactly one stderr line that starts with
 * "monitor: error: " and matches `error`, nothing on stdout, and the config file and the names
 * next to it as they were. Everything printed is pushed to `printed`, for the caller's secret check.
 */
export async function checkBadInputs(
  t: TestContext,
  cases: Record<string, BadInputCase>,
  options: { home: string; config: string; printed: string[] },
): Promise<void> {
  for (const [name, c] of Object.entries(cases)) {
    await t.test(name, async () => {
      const path = c.config ?? options.config;
      const before = fileDigest(path);
      const dirBefore = listing(join(path, '..'));
      const r = await runMonitor(c.args, { home: options.home, timeoutMs: 15_000 });
      options.printed.push(r.stdout, r.stderr);
      assert.equal(r.code, 2, `exit code for ${c.args.join(' ')}: ${r.stderr}`);
      const errLines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(errLines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
      assert.match(errLines[0] ?? '', /^monitor: error: /);
      assert.match(errLines[0] ?? '', c.error);
      assert.equal(r.stdout, '');
      assert.equal(fileDigest(path), before, 'config file changed');
      assert.deepEqual(listing(join(path, '..')), dirBefore, 'files appeared or vanished next to the config');
    });
  }
}
