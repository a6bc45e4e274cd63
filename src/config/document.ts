import { extname } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { ConfigError, toError } from '../errors.js';
import { registerSecret } from '../log/secrets.js';

/**
 * The text forms a config can take: the config file itself is always JSON; `config export` and
 * `config import` also speak YAML (through the maintained `yaml` parser, YAML 1.2 core schema, so
 * `yes` stays a string and a date stays a string). Both carry the same document: keys in file order.
 */
export const DOCUMENT_FORMATS = ['json', 'yaml'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** By extension (.json, .yaml, .yml); otherwise JSON when the text starts with `{` or `[`, else YAML. */
export function formatOf(path: string, text: string): DocumentFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/**
 * Register the passwords a text holds before it is parsed: a syntax error message may quote the
 * text around it, password included, and every error line is scrubbed of registered secrets.
 */
export function registerTextSecrets(text: string): void {
  for (const m of text.matchAll(/[a-z]+:\/\/[^:@/\s"]*:([^@\s"]+)@/gi)) registerSecret(m[1]);
  for (const m of text.matchAll(/[?&](?:ssl)?(?:password|key)=([^&#\s"]+)/gi)) registerSecret(m[1]);
}

/** V8's JSON message without the quoted snippet of the file (it may hold the password). */
function jsonErrorReason(err: unknown): string {
  const message = toError(err).message.split('\n')[0] ?? '';
  return message
    .replace(/, ".*" is not valid JSON$/, '')
    .replace(/^Unexpected end of JSON input$/, 'it ends early');
}

/**
 * Parse a document's text; a syntax error is a ConfigError (exit 2) of one line that starts with
 * `what` (e.g. "config /path") and, for YAML, names the line and column.
 */
export function parseText(text: string, format: DocumentFormat, what: string): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${what} is not valid JSON: ${jsonErrorReason(err)}`);
    }
  }
  // Warnings (an unknown tag …) are not printed by the library: the value rules judge the result.
  const doc = parseDocument(text, { logLevel: 'silent', uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    // The message's first line names the line and column; the lines after it quote the text.
    const reason = (first.message.split('\n')[0] ?? first.code).replace(/:$/, '');
    throw new ConfigError(`${what} is not valid YAML: ${reason}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/**
 * A document as text, stable and diff-friendly: keys in the object's order, one value per line,
 * nothing folded or anchored, ending in a newline. JSON is two-space, like the config file.
 */
export function serialiseDocument(value: unknown, format: DocumentFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
