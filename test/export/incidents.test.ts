import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIncidentExportSource, type LocalDatabase } from '../../src/db/local/index.js';
import { createExporter } from '../../src/export/exporter.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Incident } from '../../src/results/incident.js';
import { freePort, getTestDatabaseUrl } from '../helpers/pg.js';
import { exporterRig, openLocal, query } from './fixtures.js';

const OPENED = Date.UTC(2026, 11, 3, 6, 0, 0, 123);

function incident(n: number, overrides: Partial<Incident> = {}): Incident {
  return {
    id: `0193a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    agent: 'test-agent',
    serviceKey: `svc-${n}`,
    url: `http://127.0.0.1:8000/health?n=${n}`,
    method: 'GET',
    kind: 'down',
    openedAt: OPENED + n * 1000,
    resolvedAt: null,
    resolution: null,
    cause: 'connect: ECONNREFUSED',
    firstResultId: `first-${n}`,
    openingResultId: `opening-${n}`,
    resolvingResultId: null,
    version: 1,
    ...overrides,
  };
}

const COLUMNS =
  'id, agent, service_key, url, method, kind, opened_at, resolved_at, resolution, cause, ' +
  'first_result_id, opening_result_id, resolving_result_id, version';

/** Writes (or rewrites) an incident the way the tracker does: plain SQL on the local database. */
function putIncident(ldb: LocalDatabase, i: Incident): void {
  ldb.sqlite
    .prepare(
      `INSERT INTO incidents (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at, resolution = excluded.resolution,
         resolving_result_id = excluded.resolving_result_id, version = excluded.version`,
    )
    .run(
      i.id,
      i.agent,
      i.serviceKey,
      i.url,
      i.method,
      i.kind,
      i.openedAt,
      i.resolvedAt,
      i.resolution,
      i.cause,
      i.firstResultId,
      i.openingResultId,
      i.resolvingResultId,
      i.version,
    );
}

function exportedVersion(ldb: LocalDatabase, id: string): number {
  return (
    ldb.sqlite.prepare('SELECT exported_version AS v FROM incidents WHERE id = ?').get(id) as { v: number }
  ).v;
}

/** The remote incidents as the exporter's Incident, times read back as epoch ms. */
async function remoteIncidents(url: string): Promise<Incident[]> {
  const rows = await query<Record<string, unknown>>(
    url,
    `SELECT id, agent, service_key, url, method, kind, resolution, cause, first_result_id, opening_result_id,
            resolving_result_id, version,
            (extract(epoch FROM opened_at) * 1000)::bigint AS opened_ms,
            (extract(epoch FROM resolved_at) * 1000)::bigint AS resolved_ms
       FROM monitoring_incidents ORDER BY opened_at`,
  );
  return rows.map((r) => ({
    id: r['id'] as string,
    agent: r['agent'] as string,
    serviceKey: r['service_key'] as string,
    url: r['url'] as string,
    method: r['method'] as Incident['method'],
    kind: r['kind'] as Incident['kind'],
    openedAt: Number(r['opened_ms']),
    resolvedAt: r['resolved_ms'] === null ? null : Number(r['resolved_ms']),
    resolution: r['resolution'] as Incident['resolution'],
    cause: r['cause'] as string,
    firstResultId: r['first_result_id'] as string,
    openingResultId: r['opening_result_id'] as string,
    resolvingResultId: r['resolving_result_id'] as string | null,
    version: r['version'] as number,
  }));
}

test('an incident is exported once and never goes back a version: new, then resolved (version 2), then nothing', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { withIncidents: true, migrate: false });
  const open = incident(1);
  putIncident(local.ldb, open);

  const first = await exporter.exportOnce();
  assert.deepEqual(first, { exported: 0, full: false, setAside: 0, retryAfterMs: null });
  assert.deepEqual(await remoteIncidents(url), [open], 'every field arrives as written');
  assert.equal(exportedVersion(local.ldb, open.id), 1);
  const [before] = await query<{ updated_at: Date }>(url, 'SELECT updated_at FROM monitoring_incidents');

  // Nothing changed: nothing is sent (updated_at would move on any write).
  await exporter.exportOnce();
  const [same] = await query<{ updated_at: Date }>(url, 'SELECT updated_at FROM monitoring_incidents');
  assert.deepEqual(same, before);

  const resolved = incident(1, {
    resolvedAt: OPENED + 60_000,
    resolution: 'recovered',
    resolvingResultId: 'resolving-1',
    version: 2,
  });
  putIncident(local.ldb, resolved);
  await exporter.exportOnce();
  assert.deepEqual(await remoteIncidents(url), [resolved], 'the remote row is updated in place');
  assert.equal(exportedVersion(local.ldb, open.id), 2);
  const [after] = await query<{ updated_at: Date }>(url, 'SELECT updated_at FROM monitoring_incidents');
  assert.ok(after!.updated_at.getTime() >= before!.updated_at.getTime());
  assert.equal(createIncidentExportSource(local.ldb).countChanged(), 0);
});

test('re-sending an older version does not overwrite a newer one (a stale copy of the local database)', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { withIncidents: true });
  const resolved = incident(2, {
    resolvedAt: OPENED + 5000,
    resolution: 'recovered',
    resolvingResultId: 'resolving-2',
    version: 2,
  });
  putIncident(local.ldb, resolved);
  await exporter.exportOnce();

  // A restored backup (or a second agent's stale copy) still holds version 1, never exported.
  const stale = openLocal();
  t.after(() => stale.close());
  putIncident(stale.ldb, incident(2));
  const staleExporter = createExporter({
    uri: url,
    source: stale.source,
    incidents: createIncidentExportSource(stale.ldb),
    logger: silentLogger(),
  });
  t.after(() => staleExporter.close());
  const out = await staleExporter.exportOnce();
  assert.equal(out.retryAfterMs, null, 'the stale version is accepted and absorbed, not an error');
  assert.deepEqual(await remoteIncidents(url), [resolved], 'version 2 stays');
  assert.equal(exportedVersion(stale.ldb, resolved.id), 1, 'the stale copy counts its version as delivered');
});

test('a crash between the remote COMMIT and the local mark: the resend is absorbed, one row', async (t) => {
  let crash = true;
  const { url, local, exporter } = await exporterRig(t, {
    withIncidents: true,
    afterIncidentCommit: () => {
      if (crash) throw new Error('killed after COMMIT');
    },
  });
  const open = incident(3);
  putIncident(local.ldb, open);
  await assert.rejects(exporter.exportOnce(), /killed after COMMIT/);
  assert.equal(exportedVersion(local.ldb, open.id), 0, 'not marked: it will be sent again');
  const committed = await query(url, 'SELECT id, version, updated_at FROM monitoring_incidents');
  assert.equal(committed.length, 1, 'it did reach PostgreSQL');

  crash = false;
  await exporter.exportOnce();
  assert.equal(exportedVersion(local.ldb, open.id), 1);
  assert.deepEqual(
    await query(url, 'SELECT id, version, updated_at FROM monitoring_incidents'),
    committed,
    'one row, not even rewritten (updated_at unchanged)',
  );
  assert.deepEqual(await remoteIncidents(url), [open]);
});

test('an incident changed after it was read (before the mark) is sent again with its new version', async (t) => {
  const changed = incident(4, {
    resolvedAt: OPENED + 9000,
    resolution: 'removed',
    resolvingResultId: null,
    version: 2,
  });
  let rig: Awaited<ReturnType<typeof exporterRig>> | null = null;
  let once = true;
  rig = await exporterRig(t, {
    withIncidents: true,
    afterIncidentCommit: () => {
      // The tracker resolves it while version 1 is on its way.
      if (once) putIncident(rig!.local.ldb, changed);
      once = false;
    },
  });
  const { url, local, exporter } = rig;
  putIncident(local.ldb, incident(4));
  await exporter.exportOnce();
  assert.equal(
    exportedVersion(local.ldb, changed.id),
    1,
    'the mark records the version sent, not the current one',
  );
  assert.equal((await remoteIncidents(url))[0]?.version, 1);

  await exporter.exportOnce();
  assert.equal(exportedVersion(local.ldb, changed.id), 2);
  assert.deepEqual(await remoteIncidents(url), [changed]);
});

test('incidents go in batches after the results; a full batch asks for the next step at once', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { withIncidents: true, incidentBatchSize: 2 });
  for (const n of [5, 6, 7]) putIncident(local.ldb, incident(n));
  const first = await exporter.exportOnce();
  assert.deepEqual(first, { exported: 0, full: true, setAside: 0, retryAfterMs: null });
  assert.deepEqual(
    (await remoteIncidents(url)).map((i) => i.serviceKey),
    ['svc-5', 'svc-6'],
    'oldest opened first',
  );
  const second = await exporter.exportOnce();
  assert.equal(second.full, false);
  assert.equal((await remoteIncidents(url)).length, 3);
});

test('PostgreSQL unreachable: the step backs off, nothing is marked, and the incidents go once it is back', async (t) => {
  const real = await getTestDatabaseUrl();
  const refused = new URL(real);
  refused.port = String(await freePort());
  const local = openLocal();
  t.after(() => local.close());
  const open = incident(8);
  putIncident(local.ldb, open);
  const down = createExporter({
    uri: refused.toString(),
    source: local.source,
    incidents: createIncidentExportSource(local.ldb),
    logger: silentLogger(),
    backoff: { baseMs: 1, capMs: 5 },
    connectTimeoutMs: 2000,
  });
  t.after(() => down.close());
  for (let i = 0; i < 3; i++) {
    const out = await down.exportOnce();
    assert.equal(out.exported, 0);
    assert.ok(out.retryAfterMs !== null && out.retryAfterMs >= 0, 'a wait, not a rejection');
  }
  assert.equal(down.state(), 'disconnected');
  assert.equal(exportedVersion(local.ldb, open.id), 0);

  const up = createExporter({
    uri: real,
    source: local.source,
    incidents: createIncidentExportSource(local.ldb),
    logger: silentLogger(),
  });
  t.after(() => up.close());
  assert.equal((await up.exportOnce()).retryAfterMs, null);
  assert.deepEqual(await remoteIncidents(real), [open]);
  assert.equal(exportedVersion(local.ldb, open.id), 1);
});

test('an incident PostgreSQL refuses on its own does not hold the others back; when all are refused the step backs off', async (t) => {
  const { url, local, exporter, text } = await exporterRig(t, { withIncidents: true });
  // A rule added to the remote table by hand that one incident breaks (SQLSTATE 23514, row-level).
  await query(url, "ALTER TABLE monitoring_incidents ADD CONSTRAINT no_poison CHECK (cause <> 'poison')");
  const poison = incident(9, { cause: 'poison' });
  putIncident(local.ldb, poison);

  // Alone, it cannot be told from a broken table: retried with backoff, not marked.
  const alone = await exporter.exportOnce();
  assert.ok(alone.retryAfterMs !== null);
  assert.equal(exportedVersion(local.ldb, poison.id), 0);

  const good = incident(10);
  putIncident(local.ldb, good);
  const out = await exporter.exportOnce();
  assert.equal(out.retryAfterMs, null);
  assert.deepEqual(await remoteIncidents(url), [good]);
  assert.equal(exportedVersion(local.ldb, poison.id), 1, 'this version is given up, with a warning');
  assert.match(text(), /incident not exported: PostgreSQL refused the row: .*no_poison.*23514/);
});
