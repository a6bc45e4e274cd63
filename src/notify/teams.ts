import type { ChannelSender } from './channel.js';
import { summaryOf } from './event-text.js';
import { postHttp } from './http-post.js';

/**
 * `teams`: `{"text": summary}`, the body of the Office 365 incoming-webhook connector (and of
 * Mattermost's incoming webhooks). Teams Workflows (Power Automate) webhooks want an Adaptive Card
 * instead and are not supported yet: use a `webhook` channel and a flow that reads its JSON.
 */
export const sendTeams: ChannelSender = (d) =>
  postHttp(d, { body: JSON.stringify({ text: summaryOf(d.event) }), contentType: 'application/json' });
