import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { createConfig, makeTempHome, runMonitor } from '../helpers/cli.js';

/**
 * Issue 12, item 7: ten `monitor config services add` processes at once. Each read-modify-write
 * holds the config's lock, so every add that says it succeeded is in the file; one that could not
 * get the lock in time exits non-zero with the message and changes nothing. Repeated three times.
 */

const WRITERS = 10;
const ROUNDS = 3;

test(`${WRITERS} concurrent services add: every one that exits 0 is in the file, the others say why`, async () => {
  const h = makeTempHome('monitor-concurrent-config-');
  try {
    await createConfig(h.path);
    let expected = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const urls = Array.from({ length: WRITERS }, (_, i) => `http://127.0.0.1:8080/r${round}/s${i}`);
      const results = await Promise.all(
        urls.map((url) =>
          runMonitor(['config', 'services', 'add', url, 'GET', '-q'], { home: h.path, timeoutMs: 60_000 }),
        ),
      );
      const inFile = new Set(
        (JSON.parse(readFileSync(h.configPath, 'utf8')) as { services: { url: string }[] }).services.map(
          (s) => s.url,
        ),
      );
      results.forEach((r, i) => {
        const url = urls[i] as string;
        if (r.code === 0) {
          assert.ok(inFile.has(url), `round ${round}: ${url} was added (exit 0) but is not in the file`);
          expected += 1;
        } else {
          assert.equal(r.code, 1, r.stderr);
          assert.match(r.stderr, /is being changed by another process .* nothing was changed, try again/);
          assert.ok(!inFile.has(url), `${url} failed but is in the file`);
        }
      });
      assert.equal(inFile.size, expected, `round ${round}: the file holds exactly the successful adds`);
    }
    // On an idle machine all of them get the lock; a loaded one may time a few out, but never lose one.
    assert.ok(expected >= WRITERS, `only ${expected} of ${WRITERS * ROUNDS} adds succeeded`);
    assert.deepEqual(readdirSync(dirname(h.configPath)), ['monitoring-config'], 'no lock or temp file left');
  } finally {
    h.cleanup();
  }
});
