import type { Dispatcher } from 'undici';
import type { NotifyEvent } from '../results/incident.js';
import type { ExpandedChannel } from './expand.js';
import type { Attempt } from './outcome.js';

/**
 * What a channel sender gets for one attempt. Senders return the receiver's verdict and may throw
 * on anything else: the notifier turns a throw into a retry (connection class) or, when `signal`
 * has fired, into a timeout; so a sender stays a few lines of formatting.
 */
export interface Delivery {
  channel: ExpandedChannel;
  event: NotifyEvent;
  /** The attempt's deadline: the channel's timeout and the caller's signal in one. */
  signal: AbortSignal;
  /** `monitor/<version>`. */
  userAgent: string;
  dispatcher: Dispatcher;
}

export type ChannelSender = (delivery: Delivery) => Promise<Attempt>;
