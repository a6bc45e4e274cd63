// A config file of `n` services against a closed port on 127.0.0.1 (every probe fails at once, so
// the daemon's own cost is what a script measures), in a fresh temporary folder, with --no-export
// in mind (no external database). `extra` is merged into each service. Returns the folder and file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeClosedPortConfig(prefix, n, extra) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const services = Array.from({ length: n }, (_, i) => ({
    url: `http://127.0.0.1:9/s/${i}`,
    method: 'GET',
    check_regex: false,
    regex: null,
    timeout: 3,
    ...extra,
  }));
  const path = join(dir, 'cfg');
  writeFileSync(
    path,
    JSON.stringify({ local_database_path: join(dir, 'db.sqlite3'), external_database_uri: null, services }),
  );
  return { dir, path };
}
