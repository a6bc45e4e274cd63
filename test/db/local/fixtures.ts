import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localMigrationsFolder } from '../../../src/db/local/index.js';
import type { ProbeResult } from '../../../src/results/types.js';
import { uuidv7 } from '../../../src/util/uuidv7.js';

/** A temp folder removed by the returned cleanup (register it with `t.after`). */
export function tempDir(prefix = 'monitor-local-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function makeResult(
  serviceKey: string,
  scheduledAt: number,
  over: Partial<ProbeResult> = {},
): ProbeResult {
  return {
    id: uuidv7(),
    agent: 'test-agent',
    serviceKey,
    url: `http://127.0.0.1:1/${serviceKey}`,
    method: 'GET',
    scheduledAt,
    startedAt: scheduledAt + 1,
    finishedAt: scheduledAt + 11,
    durationMs: 10.5,
    statusCode: 200,
    ok: true,
    regexRequired: false,
    regex: null,
    regexMatched: null,
    errorClass: null,
    errorMessage: null,
    bytesRead: 42,
    truncated: false,
    ...over,
  };
}

export function probePayload(serviceKey: string, scheduledAt: number) {
  return { serviceKey, scheduledAt, windowEndsAt: scheduledAt + 5000 };
}

interface Journal {
  entries: Array<{ idx: number; when: number; tag: string }>;
  [k: string]: unknown;
}

/** The shipped migration journal. */
export function migrationJournal(): Journal {
  return JSON.parse(readFileSync(join(localMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as Journal;
}

/** A copy of the migrations folder holding only the first `n` migrations: a database "of release n". */
export function folderUpTo(root: string, n: number): string {
  const folder = localMigrationsFolder();
  const journal = migrationJournal();
  const out = join(root, `upto-${n}`);
  mkdirSync(join(out, 'meta'), { recursive: true });
  const entries = journal.entries.slice(0, n);
  for (const e of entries) copyFileSync(join(folder, `${e.tag}.sql`), join(out, `${e.tag}.sql`));
  writeFileSync(join(out, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  return out;
}
