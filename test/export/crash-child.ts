// Child process for the crash test: exports one batch from the SQLite file in argv[2] to the
// PostgreSQL in argv[3], and SIGKILLs itself right after the remote COMMIT, before the local mark.
import { createExportSource, openLocalDatabase } from '../../src/db/local/index.js';
import { createExporter } from '../../src/export/exporter.js';
import { silentLogger } from '../../src/log/logger.js';

const [path, uri] = process.argv.slice(2);
if (!path || !uri) throw new Error('usage: crash-child.js <sqlite path> <postgres uri>');
const ldb = openLocalDatabase(path);
const exporter = createExporter({
  uri,
  source: createExportSource(ldb),
  logger: silentLogger(),
  afterCommit: () => {
    process.kill(process.pid, 'SIGKILL');
  },
});
await exporter.exportOnce();
// Not reached: the kill above is synchronous.
process.exit(3);
