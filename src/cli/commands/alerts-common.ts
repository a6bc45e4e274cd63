import { existsSync } from 'node:fs';
import { readConfig } from '../../config/file.js';
import { type LocalDatabase, openLocalDatabase } from '../../db/local/index.js';

/**
 * Runs `read` on the config's local database, or returns null without touching the disk when the
 * file does not exist (nothing was ever recorded, and opening would create it). Only the local
 * path matters, so a config with a bad service can still be inspected.
 */
export function readLocalDatabase<T>(configPath: string, read: (ldb: LocalDatabase) => T): T | null {
  const config = readConfig(configPath, { validate: false });
  const path = config.local_database_path;
  if (!existsSync(path)) return null;
  // A running `monitor start` keeps the file open (WAL): these reads do not block it. Opening
  // applies pending migrations, so a database older than the alert tables still answers.
  const ldb = openLocalDatabase(path);
  try {
    return read(ldb);
  } finally {
    ldb.close();
  }
}
