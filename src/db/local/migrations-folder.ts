import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the committed SQLite migrations, found from this module's own location (never the
 * cwd): compiled, this file is dist/src/db/local/, run from source it is src/db/local/, installed
 * it is under node_modules/<pkg>/dist/...; in each case <package root>/drizzle/local is above us.
 */
export function localMigrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'drizzle', 'local');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`drizzle/local migrations not found above ${fileURLToPath(import.meta.url)}`);
}
