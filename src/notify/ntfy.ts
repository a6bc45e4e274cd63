import type { ChannelSender } from './channel.js';
import { priorityOf, summaryOf, tagsOf, textOf } from './event-text.js';
import { postHttp } from './http-post.js';

/**
 * `ntfy`: the text POSTed to the topic URL (`https://ntfy.sh/my-topic`), with the summary as
 * `Title`, `Priority` 5 when something broke and 3 otherwise, and `Tags`. HTTP headers carry only
 * Latin-1, so the title's other characters (the summary's dash) are replaced; the body keeps them.
 */
export const sendNtfy: ChannelSender = (d) =>
  postHttp(d, {
    body: textOf(d.event),
    contentType: 'text/plain; charset=utf-8',
    headers: {
      title: latin1(summaryOf(d.event)),
      priority: String(priorityOf(d.event)),
      tags: tagsOf(d.event).join(','),
    },
  });

function latin1(text: string): string {
  return text.replace(/—/g, '-').replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}
