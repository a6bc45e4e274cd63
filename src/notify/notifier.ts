import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import type { ResolvedChannel } from '../config/channels.js';
import type { ChannelType } from '../config/types.js';
import type { DeliveryOutcome } from '../queue/types.js';
import type { NotifyEvent } from '../results/incident.js';
import { attemptDeadline } from '../util/attempt-deadline.js';
import type { ChannelSender } from './channel.js';
import { createCommandSender } from './command.js';
import { sendDiscord } from './discord.js';
import { createMailer } from './email.js';
import { expandChannel, redact } from './expand.js';
import { sendNtfy } from './ntfy.js';
import { type Attempt, abortedOutcome, errorOutcome, failedOutcome, oneLine, originOf } from './outcome.js';
import { sendSlack } from './slack.js';
import { sendTeams } from './teams.js';
import { sendWebhook } from './webhook.js';

/** Delivers one event to one channel, once; the notify lane decides about retries. */
export interface Notifier {
  /**
   * One attempt, bounded by the channel's timeout and `signal` together. Never throws: every
   * failure is an outcome (retry or failed) with a one-line detail that holds no secret.
   */
  deliver(channel: ResolvedChannel, event: NotifyEvent, signal: AbortSignal): Promise<DeliveryOutcome>;
  /** Closes the HTTP connections (when the notifier made its own dispatcher) and the mail transporters. */
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** Where `${NAME}` references are looked up at each delivery (process.env + env_file). */
  env: Readonly<Record<string, string | undefined>>;
  /** Called with every expanded secret value (the log scrubber's registerSecret). Default: nothing. */
  registerSecret?: (value: string) => void;
  /** In `User-Agent: monitor/<version>`. Default 'dev'. */
  version?: string;
  /**
   * undici dispatcher of the HTTP channels; the caller closes it. Default: the notifier's own
   * Agent, at most CONNECTIONS_PER_ORIGIN connections per receiver, closed by close().
   */
  dispatcher?: Dispatcher;
}

/**
 * The notify lane has at most 4 attempts in flight per channel. Channels sharing a receiver (two
 * Slack hooks) share these; a request beyond them waits in undici's queue, inside its deadline.
 */
const CONNECTIONS_PER_ORIGIN = 4;

export function createNotifier(options: NotifierOptions): Notifier {
  const ownDispatcher = options.dispatcher ? null : new Agent({ connections: CONNECTIONS_PER_ORIGIN });
  const dispatcher = options.dispatcher ?? (ownDispatcher as Agent);
  const userAgent = `monitor/${options.version ?? 'dev'}`;
  const mailer = createMailer();
  const senders: Record<ChannelType, ChannelSender> = {
    webhook: sendWebhook,
    slack: sendSlack,
    discord: sendDiscord,
    teams: sendTeams,
    ntfy: sendNtfy,
    email: mailer.send,
    command: createCommandSender(options.env),
  };

  async function attempt(
    channel: ResolvedChannel,
    event: NotifyEvent,
    signal: AbortSignal,
  ): Promise<Attempt> {
    const expansion = expandChannel(channel, options.env, options.registerSecret);
    if (!expansion.ok) return failedOutcome(expansion.detail);
    const expanded = expansion.channel;
    const sender = senders[channel.type];
    if (!sender) return failedOutcome(`channel ${channel.name}: unknown type ${String(channel.type)}`);
    const deadline = attemptDeadline(signal, channel.timeoutMs);
    let result: Attempt;
    try {
      result = await sender({ channel: expanded, event, signal: deadline.signal, userAgent, dispatcher });
    } catch (err) {
      result = deadline.signal.aborted
        ? abortedOutcome(deadline.timedOut(), channel.timeoutMs)
        : errorOutcome(err);
    } finally {
      deadline.dispose();
    }
    // Whatever a receiver or a library said, the target's secrets never leave in a detail.
    const shown = channel.type === 'command' ? '(command)' : originOf(expanded.target);
    return {
      ...result,
      detail: oneLine(redact(result.detail, expansion.secrets, expanded.target, shown), 300),
    };
  }

  return {
    async deliver(channel, event, signal) {
      const started = performance.now();
      let result: Attempt;
      try {
        result = await attempt(channel, event, signal);
      } catch (err) {
        // A bug, not a receiver's answer: still an outcome, never a throw into the lane.
        // Its name only: a message could hold an expanded value.
        result = failedOutcome(`internal error (${err instanceof Error ? err.name : typeof err})`);
      }
      return { ...result, durationMs: Math.round(performance.now() - started) };
    },
    async close() {
      mailer.close();
      await ownDispatcher?.destroy();
    },
  };
}
