import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

/** The rig of test/faults/alerts-sigkill.test.ts: a target that flaps on its own, and local checks. */

/**
 * Service i is down for 4–6 s, then up for 3–5 s, over and over: a cycle of its own, on wall time,
 * so it goes on while the daemon is dead. With thresholds 2/2 every cycle opens and resolves one
 * incident, and kills fall on transitions and on deliveries alike.
 */
export function isDown(i: number, t: number): boolean {
  const down = 4_000 + ((i * 733) % 2_001);
  const up = 3_000 + ((i * 389) % 2_001);
  const offset = (i * 2_711) % (down + up);
  return (t + offset) % (down + up) < down;
}

/** A target on 127.0.0.1: /svc/<i> answers 500 while isDown(i, now), else 200; setAllUp() ends the cycles. */
export async function startCyclingTarget() {
  let allUp = false;
  const server = createServer((req, res) => {
    const i = Number((req.url ?? '').split('/')[2]);
    const bad = !allUp && isDown(i, Date.now());
    res.writeHead(bad ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(bad ? 'down' : 'up');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (i: number) => `http://127.0.0.1:${port}/svc/${i}`,
    setAllUp: () => {
      allUp = true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function openReadOnly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Nothing left to do: every incident resolved and exported, every notify job finished. */
export function alertsQuiet(path: string): boolean {
  const db = openReadOnly(path);
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return (
      n("SELECT count(*) AS n FROM jobs WHERE kind = 'notify' AND state IN ('queued', 'running')") === 0 &&
      n('SELECT count(*) AS n FROM incidents WHERE resolved_at IS NULL OR version > exported_version') === 0
    );
  } finally {
    db.close();
  }
}

/** Keys (service and kind) with two intervals [opened, resolved) that overlap; an open one runs to infinity. */
export function overlaps(
  rows: ReadonlyArray<{ key: string; opened: number; resolved: number | null }>,
): string[] {
  const byKey = new Map<string, { opened: number; resolved: number | null }[]>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const bad: string[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.opened - b.opened);
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1] as { opened: number; resolved: number | null };
      if (prev.resolved === null || prev.resolved > (list[k] as { opened: number }).opened) bad.push(key);
    }
  }
  return bad;
}
