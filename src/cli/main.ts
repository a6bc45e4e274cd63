import yargs, { type Argv } from 'yargs';
import { ConfigProblemsError, MonitorError, toError } from '../errors.js';
import { scrub } from '../log/secrets.js';
import { guardStream, safeWrite } from '../log/stdio.js';
import { alertsCommand } from './commands/alerts.js';
import { configCommand } from './commands/config.js';
import { dbCommand } from './commands/db.js';
import { demoCommand } from './commands/demo.js';
import { fleetCommand } from './commands/fleet.js';
import { probeCommand, wantsNagios } from './commands/probe.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { release as releaseEarlySignals } from './early-signals.js';
import { packageVersion } from './version.js';

/**
 * `monitor probe --format nagios` speaks the plugin protocol even when it cannot run: one line on
 * stdout and exit 3 (UNKNOWN), which Nagios/Icinga show as such instead of as a crash.
 */
let pluginOutput = false;

function reportPluginError(message: string): number {
  safeWrite(process.stdout, `HTTP UNKNOWN - ${scrub(message).split('\n')[0]!.replace(/\|/g, '/')}\n`);
  return 3;
}

/**
 * Print one line for an error (and the problems it lists) and return the exit code; stack traces
 * only with MONITOR_DEBUG=1.
 */
export function reportError(err: unknown): number {
  const e = toError(err);
  if (pluginOutput) return reportPluginError(e.message);
  const exitCode = e instanceof MonitorError ? e.exitCode : 1;
  safeWrite(process.stderr, `monitor: error: ${scrub(e.message).split('\n')[0]}\n`);
  // Every problem of a document, one indented line each, so that all can be fixed in one go.
  if (e instanceof ConfigProblemsError) {
    for (const p of e.problems) safeWrite(process.stderr, `  ${scrub(p).split('\n')[0]}\n`);
  }
  if (process.env['MONITOR_DEBUG'] === '1' && e.stack) safeWrite(process.stderr, `${scrub(e.stack)}\n`);
  return exitCode;
}

export function buildCli(argv: string[]): Argv {
  return (
    yargs(argv)
      .scriptName('monitor')
      .usage('$0 <command>\n\nMonitor HTTP/S services on schedules; results go to SQLite, then PostgreSQL.')
      .command(configCommand)
      .command(startCommand)
      .command(statusCommand)
      .command(fleetCommand)
      .command(probeCommand)
      .command(dbCommand)
      .command(alertsCommand)
      .command(demoCommand)
      .completion('completion', 'Print a shell completion script (bash/zsh): monitor completion >> ~/.bashrc')
      .demandCommand(1, 'Name a command; see monitor --help.')
      .recommendCommands()
      .strict()
      // Without this, yargs names an unknown --some-option twice (some-option, someOption).
      .parserConfiguration({ 'camel-case-expansion': false })
      .version(packageVersion())
      .help()
      .alias('help', 'h')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((msg, err) => {
        if (err) throw err;
        // yargs usage problems: one line, exit 2, nothing touched.
        if (pluginOutput) process.exit(reportPluginError(msg));
        process.stderr.write(`monitor: error: ${msg} (see monitor --help)\n`);
        process.exit(2);
      })
  );
}

export async function main(argv: string[]): Promise<void> {
  try {
    // The original spelled the short form `-ns`; yargs would read that as `-n -s`.
    const args = argv.map((a) => (a === '-ns' ? '--notify-systemd' : a));
    // Only the daemon takes signals over; every other command keeps node's default actions.
    if (args[0] !== 'start') releaseEarlySignals();
    pluginOutput = wantsNagios(args);
    // Output nobody reads any more: a command is done (quietly, like `yes | head -1`); the daemon
    // keeps monitoring and only loses its log lines, and the demo still cleans up after itself.
    const longRunning = args[0] === 'start' || args[0] === 'demo';
    guardStream(process.stdout, longRunning ? undefined : () => process.exit(0));
    guardStream(process.stderr);
    await buildCli(args).parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
