import type { Argv } from 'yargs';
import type { ServiceConfig } from '../config/types.js';
import { parseNumberOption } from '../config/validate.js';
import { UsageError } from '../errors.js';

/**
 * A service's alerting options on `config services add|update`. Every option left out changes
 * nothing. `--alert NAME` is appended to the service's channels (repeatable), `--no-alert` empties
 * them first; `--no-failure-window` and `--no-remind-every` remove those keys; the booleans are
 * written as given (`--no-send-resolved`, `--alert-on-degraded`).
 */
export interface ServiceAlertArgs {
  alert?: string | false | (string | false)[];
  'failure-threshold'?: number;
  'failure-window'?: string | false;
  'success-threshold'?: number;
  'remind-every'?: string | false;
  'send-resolved'?: boolean;
  'alert-on-degraded'?: boolean;
}

export interface ServiceAlertEdit {
  clearAlerts: boolean;
  addAlerts: string[];
  /** Fields set, or null to remove the key. */
  fields: Partial<
    Record<
      'failure_threshold' | 'failure_window' | 'success_threshold' | 'remind_every',
      number | string | null
    >
  > &
    Partial<Record<'send_resolved' | 'alert_on_degraded', boolean>>;
}

export function withServiceAlertOptions<T>(y: Argv<T>, update = false): Argv<T & ServiceAlertArgs> {
  const u = (text: string) => (update ? text : '');
  return y
    .option('alert', {
      type: 'string',
      describe: `Channel (from monitor config alerts) told of this service's incidents (repeatable). Default none.${u(' Appended; --no-alert empties the list first.')}`,
      requiresArg: true,
    })
    .option('failure-threshold', {
      type: 'number',
      describe: 'Consecutive down results that open an incident, 1..100. Default 3.',
      requiresArg: true,
    })
    .option('failure-window', {
      type: 'string',
      describe: `M/N: open when M of the last N results are down (instead of --failure-threshold). Default none.${u(' --no-failure-window removes it.')}`,
      requiresArg: true,
    })
    .option('success-threshold', {
      type: 'number',
      describe: 'Consecutive up results that resolve an incident, 1..100. Default 2.',
      requiresArg: true,
    })
    .option('remind-every', {
      type: 'string',
      describe: `Repeat the notification of an open incident this often, at least 1m, e.g. 1h. Default never.${u(' --no-remind-every removes it.')}`,
      requiresArg: true,
    })
    .option('send-resolved', {
      type: 'boolean',
      describe: 'Notify when an incident resolves (default); --no-send-resolved turns it off.',
    })
    .option('alert-on-degraded', {
      type: 'boolean',
      describe: 'Degraded results open a degraded incident too. Default false.',
    }) as Argv<T & ServiceAlertArgs>;
}

function once<V>(option: string, v: V | V[] | undefined): V | undefined {
  if (Array.isArray(v)) throw new UsageError(`--${option} was given ${v.length} times; give it once`);
  return v;
}

/** The edit the options describe (values are checked with the whole service, validate.ts). */
export function serviceAlertEdit(args: ServiceAlertArgs): ServiceAlertEdit {
  const items = args.alert === undefined ? [] : Array.isArray(args.alert) ? args.alert : [args.alert];
  const addAlerts = items.filter((x): x is string => x !== false);
  if (addAlerts.some((n) => n.trim() === '')) throw new UsageError('--alert must not be empty');
  const fields: ServiceAlertEdit['fields'] = {};
  for (const [option, field] of [
    ['failure-threshold', 'failure_threshold'],
    ['success-threshold', 'success_threshold'],
  ] as const) {
    const n = parseNumberOption(option, once(option, args[option]));
    if (n !== undefined) fields[field] = n;
  }
  for (const [option, field] of [
    ['failure-window', 'failure_window'],
    ['remind-every', 'remind_every'],
  ] as const) {
    const v = once(option, args[option]);
    if (v === false) fields[field] = null;
    else if (v !== undefined) fields[field] = v;
  }
  for (const [option, field] of [
    ['send-resolved', 'send_resolved'],
    ['alert-on-degraded', 'alert_on_degraded'],
  ] as const) {
    const v = once(option, args[option]);
    if (v !== undefined) fields[field] = v;
  }
  return { clearAlerts: items.includes(false), addAlerts, fields };
}

export function isEmptyAlertEdit(e: ServiceAlertEdit): boolean {
  return !e.clearAlerts && e.addAlerts.length === 0 && Object.keys(e.fields).length === 0;
}

/** A copy of `s` with the edit applied; a removed field or an emptied list leaves the file. */
export function applyAlertEdit(s: ServiceConfig, e: ServiceAlertEdit): ServiceConfig {
  const out: ServiceConfig = { ...s };
  for (const [field, v] of Object.entries(e.fields)) {
    if (v === null) delete out[field];
    else out[field] = v;
  }
  const alerts = [...(e.clearAlerts ? [] : (s.alerts ?? []))];
  for (const name of e.addAlerts) if (!alerts.includes(name)) alerts.push(name);
  if (alerts.length > 0) out.alerts = alerts;
  else delete out.alerts;
  return out;
}
