/**
 * A brute-force answer for maintenance-window tests: the local wall clock of every minute by
 * Intl.DateTimeFormat, and occurrence starts by the DST rules croner documents (Vixie cron's),
 * written independently of croner.
 */

export const MIN = 60_000;

const formats = new Map<string, Intl.DateTimeFormat>();
const DOW: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local wall time of `t` in `tz`: "YYYY-MM-DD HH:MM" (sortable), its date, hour, minute, weekday. */
export function wall(tz: string, t: number) {
  let f = formats.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t)) p[part.type] = part.value;
  const date = `${p.year}-${p.month}-${p.day}`;
  return {
    key: `${date} ${p.hour}:${p.minute}`,
    date,
    hour: Number(p.hour),
    minute: Number(p.minute),
    dow: DOW[p.weekday!]!,
  };
}

/**
 * fixed: one local time a day ("HH:MM"); in a DST gap it starts at the first minute after the
 * gap, and a repeated time starts once, at its first pass. interval: every matching wall minute,
 * so a gap skips it and a repeated hour starts it twice.
 */
export type Rule = { fixed: string; dows?: number[] } | { hours: number[] | null; minutes: number[] };

/** Occurrence starts in [from, to), minute by minute. */
export function bruteStarts(tz: string, rule: Rule, from: number, to: number): number[] {
  const out: number[] = [];
  const fired = new Set<string>();
  for (let t = from; t < to; t += MIN) {
    const cur = wall(tz, t);
    if ('fixed' in rule) {
      if (rule.dows && !rule.dows.includes(cur.dow)) continue;
      const target = `${cur.date} ${rule.fixed}`;
      if (wall(tz, t - MIN).key < target && target <= cur.key && !fired.has(cur.date)) {
        fired.add(cur.date);
        out.push(t);
      }
    } else if ((rule.hours === null || rule.hours.includes(cur.hour)) && rule.minutes.includes(cur.minute)) {
      out.push(t);
    }
  }
  return out;
}
