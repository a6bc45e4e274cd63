import { hostname } from 'node:os';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { testEvent } from '../../alerts/events.js';
import { type ResolvedChannel, resolveChannels } from '../../config/channels.js';
import { referenceEnv } from '../../config/env-file.js';
import { readConfig } from '../../config/file.js';
import { CHANNEL_TYPES, type MonitorConfig } from '../../config/types.js';
import { ConfigError, UsageError } from '../../errors.js';
import { registerSecret } from '../../log/secrets.js';
import { createNotifier } from '../../notify/notifier.js';
import { type ConfigPathArgs, withConfigPath } from '../options.js';
import { shown } from '../output/incidents.js';
import { printLine } from '../output/write.js';
import { packageVersion } from '../version.js';
import { strictCommand } from './config-common.js';

interface TestArgs extends ConfigPathArgs {
  CHANNEL: string;
}

/** The channel named on the command line, resolved as the daemon resolves it; exit 2 otherwise. */
function channelOf(config: MonitorConfig, name: string, configPath: string): ResolvedChannel {
  const names = Object.keys(config.alerts ?? {});
  if (!Object.hasOwn(config.alerts ?? {}, name)) {
    const known = names.length === 0 ? 'it has none' : `it has ${names.join(', ')}`;
    throw new UsageError(`no alert channel ${JSON.stringify(name)} in config ${configPath}; ${known}`);
  }
  // Until the config's validation covers `alerts`, a malformed entry is refused here, in one line.
  const raw = config.alerts?.[name] as unknown as Record<string, unknown> | null;
  const type = raw?.['type'];
  if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(
      `config ${configPath}: alerts.${name}.type must be one of ${CHANNEL_TYPES.join(', ')}`,
    );
  }
  if (typeof raw?.['target'] !== 'string' || raw['target'] === '') {
    throw new ConfigError(`config ${configPath}: alerts.${name}.target must be a non-empty string`);
  }
  return resolveChannels(config).get(name) as ResolvedChannel;
}

/**
 * `monitor alerts test CHANNEL`: one test event, delivered once (no retry), the receiver's answer
 * printed. Exit 0 when the channel accepted it, 1 otherwise. Nothing is written to the database.
 */
async function handler(args: ArgumentsCamelCase<TestArgs>): Promise<void> {
  const configPath = args['config-path'];
  // Validated like the daemon's: a bad env_file is named here instead of a missing variable later.
  const config = readConfig(configPath);
  const channel = channelOf(config, args.CHANNEL, configPath);
  // The `${NAME}` values the daemon would use (readConfig made env_file absolute).
  const env = referenceEnv(config.env_file as string | undefined, process.cwd());
  const event = testEvent(config.agent_name ?? hostname(), Date.now());
  const notifier = createNotifier({ env, registerSecret, version: packageVersion() });
  try {
    printLine(`Sending a test event to ${channel.name} (${channel.type}), event ${event.event_id} …`);
    const outcome = await notifier.deliver(channel, event, new AbortController().signal);
    printLine(`status: ${outcome.status}`);
    printLine(`code: ${outcome.code ?? '-'}`);
    printLine(`detail: ${shown(outcome.detail)}`);
    printLine(`duration: ${outcome.durationMs} ms`);
    if (outcome.status === 'accepted') {
      printLine(`The channel ${channel.name} accepted the test event.`);
      return;
    }
    printLine(
      outcome.status === 'retry'
        ? `Not accepted; the daemon would retry this answer until alerting.max_age.`
        : `Refused; the daemon would not retry this answer.`,
    );
    process.exitCode = 1;
  } finally {
    await notifier.close();
  }
}

export const alertsTestCommand: CommandModule<object, TestArgs> = {
  command: 'test <CHANNEL>',
  describe: 'Send a test event to an alert channel once and show its answer (exit 0 when accepted).',
  builder: (y: Argv) =>
    withConfigPath(strictCommand(y)).positional('CHANNEL', {
      type: 'string',
      describe: 'Name of a channel in the config\'s "alerts".',
    }) as unknown as Argv<TestArgs>,
  handler,
};
