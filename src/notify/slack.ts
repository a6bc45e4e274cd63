import type { ChannelSender } from './channel.js';
import { summaryOf } from './event-text.js';
import { postHttp } from './http-post.js';

/**
 * `slack`: an incoming webhook, `{"text": summary}`. Mattermost's incoming webhooks take the same
 * body, so a Mattermost URL works here as well as with `teams`.
 */
export const sendSlack: ChannelSender = (d) =>
  postHttp(d, { body: JSON.stringify({ text: summaryOf(d.event) }), contentType: 'application/json' });
