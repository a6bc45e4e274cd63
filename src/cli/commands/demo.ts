import type { Argv, CommandModule } from 'yargs';
import { runDemo } from '../../demo/run-demo.js';
import { UsageError } from '../../errors.js';
import { renderTable } from '../output/table.js';

interface DemoArgs {
  seconds: number;
  keep: boolean;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe:
    'Run the tutorial on this machine: embedded PostgreSQL + example app + monitor, then show the results.',
  builder: (y: Argv) =>
    y
      .option('seconds', { type: 'number', default: 20, describe: 'How long the monitor runs.' })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'Keep the temporary config and local database.',
      })
      .check((a) => {
        if (!Number.isFinite(a.seconds) || a.seconds < 6 || a.seconds > 3600) {
          throw new UsageError('--seconds must be between 6 and 3600');
        }
        return true;
      }) as unknown as Argv<DemoArgs>,
  handler: async (args) => {
    const rows = await runDemo({ seconds: args.seconds, keep: args.keep, out: process.stdout });
    process.stdout.write('Rows that arrived in PostgreSQL (table "monitoring"), per service:\n');
    process.stdout.write(
      `${renderTable(
        ['url', 'method', 'probes', 'ok', 'status', 'error_class', 'avg_ms'],
        rows.map((r) => [r.url, r.method, String(r.probes), String(r.ok), r.status, r.error_class, r.avg_ms]),
      )}\n`,
    );
    if (rows.length === 0) process.exitCode = 1;
  },
};
