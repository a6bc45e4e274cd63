import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Issue 11: `npm uninstall -g monitor` did nothing because the package is not named `monitor`.
 * The README's install and uninstall commands, run as written (plus a temporary --prefix, and
 * --offline: installing the checkout needs nothing from the registry), must add and remove the
 * `monitor` bin.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The README's `npm install -g …` / `npm uninstall -g …` lines, without their comments. */
function readmeCommands(): { install: string[]; uninstall: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Install and uninstall globally'));
  const command = (prefix: string) => {
    const line = section.split('\n').find((l) => l.startsWith(prefix));
    assert.ok(line, `README: a line starting with "${prefix}"`);
    return line.replace(/#.*$/, '').trim().split(/\s+/).slice(1); // without `npm`
  };
  return { install: command('npm install -g '), uninstall: command('npm uninstall -g ') };
}

function npm(args: string[], prefix: string): string {
  return execFileSync('npm', [...args, '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

test("the README's global install puts `monitor` on the PATH and its uninstall removes it", () => {
  const { install, uninstall } = readmeCommands();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };
  assert.deepEqual(Object.keys(pkg.bin), ['monitor']);
  assert.deepEqual(uninstall, ['uninstall', '-g', pkg.name], 'the README uninstalls the package by its name');
  const prefix = mkdtempSync(join(tmpdir(), 'monitor-npm-prefix-'));
  const bin = join(prefix, 'bin', 'monitor');
  try {
    npm(install, prefix);
    assert.ok(existsSync(bin), `${bin} after ${install.join(' ')}`);
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    assert.equal(version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // The command's name is not the package's: this is what users tried, and it removes nothing.
    npm(['uninstall', '-g', 'monitor'], prefix);
    assert.ok(existsSync(bin), '`npm uninstall -g monitor` is expected to leave it');
    npm(uninstall, prefix);
    assert.ok(!existsSync(bin), `${bin} still there after ${uninstall.join(' ')}`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
