import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createJobStore,
  type LocalDatabase,
  type LocalJobStore,
  openLocalDatabase,
} from '../../src/db/local/index.js';

/** A real local database in a temp dir; `cleanup` closes it and removes the dir. */
export function tempStore(): {
  dir: string;
  path: string;
  ldb: LocalDatabase;
  store: LocalJobStore;
  reopen(): { ldb: LocalDatabase; store: LocalJobStore };
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-jobs-'));
  const path = join(dir, 'local.sqlite3');
  const state = { ldb: openLocalDatabase(path) };
  const self = {
    dir,
    path,
    ldb: state.ldb,
    store: createJobStore(state.ldb),
    reopen() {
      state.ldb.close();
      state.ldb = openLocalDatabase(path);
      self.ldb = state.ldb;
      self.store = createJobStore(state.ldb);
      return { ldb: self.ldb, store: self.store };
    },
    cleanup() {
      state.ldb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
