import type { Argv } from 'yargs';
import { expandPath } from '../config/paths.js';
import type { ServiceConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { printWarning } from './output/write.js';

/**
 * The request and condition options of `config services add|update` and `monitor probe`, and how
 * they edit a service. Every option left out changes nothing. On update:
 *   --no-OPTION clears that option (as --no-cron does), e.g. --no-bearer, --no-body-file;
 *   --header NAME: VALUE sets that header, replacing one of the same name; --no-header drops them
 *     all first (`--no-header --header 'A: b'` leaves only A);
 *   --condition / --degraded-when are appended to the service's list; --clear-conditions (or
 *     --no-condition / --no-degraded-when for one list) empties them first, so
 *     `--clear-conditions --condition X` replaces the conditions with X.
 */
export interface RequestOptionArgs {
  header?: OptionValue;
  body?: OptionValue;
  'body-file'?: OptionValue;
  'content-type'?: OptionValue;
  'basic-auth'?: OptionValue;
  bearer?: OptionValue;
  'client-cert'?: OptionValue;
  'client-key'?: OptionValue;
  'ca-file'?: OptionValue;
  'server-name'?: OptionValue;
  condition?: OptionValue;
  'degraded-when'?: OptionValue;
}

/** What yargs makes of a string option: the text, false for --no-X, a list when repeated. */
type OptionValue = string | false | (string | false)[];

const SCALARS = {
  body: 'body',
  'body-file': 'body_file',
  'content-type': 'content_type',
  'basic-auth': 'basic_auth',
  bearer: 'bearer',
  'client-cert': 'client_cert',
  'client-key': 'client_key',
  'ca-file': 'ca_file',
  'server-name': 'server_name',
} as const;
type ScalarField = (typeof SCALARS)[keyof typeof SCALARS];
const PATHS = new Set<ScalarField>(['body_file', 'client_cert', 'client_key', 'ca_file']);

interface ListEdit {
  /** Empty the list before adding. */
  clear: boolean;
  add: string[];
}

export interface RequestEdit {
  /** Fields set (text) or cleared (null). */
  scalars: Partial<Record<ScalarField, string | null>>;
  headers: { clear: boolean; add: [string, string][] };
  conditions: ListEdit;
  degradedWhen: ListEdit;
}

const DESCRIPTIONS: [keyof RequestOptionArgs, string][] = [
  ['header', `Request header 'Name: value' (repeatable; value may use \${NAME}). Default none.`],
  ['body', `Request body (not with GET/HEAD; may use \${NAME}). Default none.`],
  ['body-file', 'File whose contents are the request body, at most 1 MiB, read at each probe. Default none.'],
  ['content-type', 'Content-Type of the body, e.g. application/json. Default none.'],
  ['basic-auth', `USER:PASS sent as HTTP Basic auth (may use \${NAME}). Default none.`],
  ['bearer', `TOKEN sent as Authorization: Bearer TOKEN (may use \${NAME}). Default none.`],
  ['client-cert', 'Client certificate (PEM) for mTLS, with --client-key; https only. Default none.'],
  ['client-key', 'Private key (PEM) of --client-cert; https only. Default none.'],
  ['ca-file', "CA bundle (PEM) used instead of the system's; https only. Default none."],
  ['server-name', 'Host header and TLS SNI, to probe an IP or one server as this name. Default none.'],
  ['condition', "Condition that must hold for up, e.g. '[STATUS] == 200' (repeatable). Default none."],
  [
    'degraded-when',
    "Condition that makes an up service degraded, e.g. '[RESPONSE_TIME] > 2s' (repeatable). Default none.",
  ],
];

const UPDATE_NOTES: Partial<Record<keyof RequestOptionArgs, string>> = {
  header: ' Replaces a header of the same name; --no-header drops all first.',
  condition: ' Appended to the list; --clear-conditions empties it first.',
  'degraded-when': ' Appended to the list; --clear-conditions empties it first.',
};

/** Adds the options; `update` adds how each is cleared or appended to the help. */
export function withRequestOptions<T>(y: Argv<T>, update = false): Argv<T & RequestOptionArgs> {
  let out = y as Argv;
  for (const [name, describe] of DESCRIPTIONS) {
    const note = update ? (UPDATE_NOTES[name] ?? ` --no-${name} clears it.`) : '';
    out = out.option(name, { type: 'string', describe: describe + note, requiresArg: true });
  }
  return out as Argv<T & RequestOptionArgs>;
}

const asList = (v: OptionValue | undefined): (string | false)[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** `Name: value` → [name, value]; whitespace around both is dropped. The text is never quoted back. */
export function parseHeaderOption(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon < 0) throw new UsageError("--header must be 'Name: value' (there is no ':' in it)");
  const name = text.slice(0, colon).trim();
  if (name === '') throw new UsageError("--header must be 'Name: value' (the name before ':' is empty)");
  return [name, text.slice(colon + 1).trim()];
}

function listEdit(option: string, v: OptionValue | undefined): ListEdit {
  const items = asList(v);
  const add = items.filter((x): x is string => x !== false);
  for (const text of add) if (text.trim() === '') throw new UsageError(`--${option} must not be empty`);
  return { clear: items.includes(false), add };
}

/** The edit the options describe; paths become absolute (a leading `${NAME}` is kept as written). */
export function requestEdit(args: RequestOptionArgs): RequestEdit {
  const scalars: RequestEdit['scalars'] = {};
  for (const [option, field] of Object.entries(SCALARS) as [keyof typeof SCALARS, ScalarField][]) {
    const given = asList(args[option]);
    if (given.length === 0) continue;
    if (given.length > 1) throw new UsageError(`--${option} was given ${given.length} times; give it once`);
    const v = given[0]!;
    if (v === false) scalars[field] = null;
    else if (PATHS.has(field)) {
      if (v === '') throw new UsageError(`--${option} must not be empty`);
      scalars[field] = v.startsWith(`\${`) ? v : expandPath(v, process.cwd());
    } else scalars[field] = v;
  }
  const headerItems = asList(args.header);
  return {
    scalars,
    headers: {
      clear: headerItems.includes(false),
      add: headerItems.filter((x): x is string => x !== false).map(parseHeaderOption),
    },
    conditions: listEdit('condition', args.condition),
    degradedWhen: listEdit('degraded-when', args['degraded-when']),
  };
}

export function isEmptyEdit(e: RequestEdit): boolean {
  return (
    Object.keys(e.scalars).length === 0 &&
    !e.headers.clear &&
    e.headers.add.length === 0 &&
    [e.conditions, e.degradedWhen].every((l) => !l.clear && l.add.length === 0)
  );
}

/** A copy of `s` with the edit applied; an option cleared or a list emptied leaves the file. */
export function applyRequestEdit(s: ServiceConfig, e: RequestEdit): ServiceConfig {
  const out: ServiceConfig = { ...s };
  for (const [field, v] of Object.entries(e.scalars)) {
    if (v === null) delete out[field];
    else out[field] = v;
  }
  const headers = e.headers.clear ? {} : { ...(s.headers ?? {}) };
  for (const [name, value] of e.headers.add) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
    headers[name] = value;
  }
  if (Object.keys(headers).length > 0) out.headers = headers;
  else delete out.headers;
  for (const [field, edit] of [
    ['conditions', e.conditions],
    ['degraded_when', e.degradedWhen],
  ] as const) {
    const list = [...(edit.clear ? [] : (s[field] ?? [])), ...edit.add];
    if (list.length > 0) out[field] = list;
    else delete out[field];
  }
  return out;
}

/**
 * One warning line per variable a service refers to that is not set here. `saved`: the service was
 * written to the config (a later `monitor start` may have it); else it is about to be probed.
 */
export function warnMissingEnv(names: readonly string[], saved = true): void {
  const then = saved
    ? '(saved; `monitor start` needs it in its environment or env_file)'
    : '(the probe will fail on it)';
  for (const name of names) {
    printWarning(
      `environment variable ${name} is not set here; the service refers to it as \${${name}} ${then}`,
    );
  }
}
