import type { ChannelSender } from './channel.js';
import { summaryOf } from './event-text.js';
import { postHttp } from './http-post.js';

/** Discord's `content` is at most 2000 characters; a summary is far shorter, but a cause may not be. */
const DISCORD_MAX = 2000;

/** `discord`: a channel webhook, `{"content": summary}`. */
export const sendDiscord: ChannelSender = (d) => {
  const summary = summaryOf(d.event);
  const content = summary.length > DISCORD_MAX ? `${summary.slice(0, DISCORD_MAX - 1)}…` : summary;
  return postHttp(d, { body: JSON.stringify({ content }), contentType: 'application/json' });
};
