import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DETAILS, makeResult } from '../helpers/results.js';
import { DETAIL_COLUMNS, exporterRig, query } from './fixtures.js';

interface DetailRow {
  local_id: string;
  ok: boolean;
  error_class: string | null;
  contains_exception: boolean;
  state: string | null;
  conditions: unknown;
  resolved_ip: string | null;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  ttfb_ms: number | null;
  transfer_ms: number | null;
  tls_version: string | null;
  cert_issuer: string | null;
  cert_expires_ms: string | null;
  cert_chain_expires_ms: string | null;
  conditions_type: string | null;
}

const DETAIL_SQL = `SELECT local_id, ok, error_class, contains_exception, state, conditions, resolved_ip,
       dns_ms, connect_ms, tls_ms, ttfb_ms, transfer_ms, tls_version, cert_issuer,
       (extract(epoch FROM cert_expires_at) * 1000)::bigint AS cert_expires_ms,
       (extract(epoch FROM cert_chain_expires_at) * 1000)::bigint AS cert_chain_expires_ms,
       jsonb_typeof(conditions) AS conditions_type
  FROM monitoring`;

test('every detail field round-trips: local insert, local read, export; jsonb conditions, timestamptz expiries', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { backoff: undefined });
  const detailed = makeResult(0, { ...DETAILS, url: 'https://127.0.0.1:8443/health' });
  // A failed [BODY] condition: down, still a verdict on the response rather than an exception.
  const conditionDown = makeResult(1, {
    state: 'down',
    ok: false,
    errorClass: 'condition',
    errorMessage: 'condition [BODY].status == "ok" failed',
    conditions: [{ condition: '[BODY].status == "ok"', degrades: false, held: false, observed: '"fail"' }],
    resolvedIp: '127.0.0.1',
    dnsMs: null, // a reused connection: no DNS, connect or TLS phase
    connectMs: null,
    tlsMs: null,
    ttfbMs: 12.4,
    transferMs: 0.6,
  });
  // Nothing measured at all: the makeResult defaults.
  const missed = makeResult(2, {
    startedAt: null,
    durationMs: null,
    statusCode: null,
    ok: false,
    errorClass: 'missed',
    state: 'unknown',
  });
  local.add([detailed, conditionDown, missed]);

  // Local: what the export reads back is what was written, conditions parsed from JSON text.
  assert.deepEqual(local.source.selectUnexported(10), [detailed, conditionDown, missed]);
  const stored = local.ldb.sqlite
    .prepare('SELECT state, conditions, cert_expires_at FROM results WHERE id = ?')
    .get(detailed.id) as { state: string; conditions: string; cert_expires_at: number };
  assert.equal(stored.state, 'degraded');
  assert.deepEqual(JSON.parse(stored.conditions), DETAILS.conditions);
  assert.equal(stored.cert_expires_at, DETAILS.certExpiresAt);

  assert.equal((await exporter.exportOnce()).exported, 3);
  const rows = await query<DetailRow>(url, DETAIL_SQL);
  const byId = new Map(rows.map((r) => [r.local_id, r]));

  const d = byId.get(detailed.id)!;
  assert.deepEqual(
    { ...d, local_id: undefined },
    {
      local_id: undefined,
      ok: true,
      error_class: 'cert_expiring',
      contains_exception: false,
      state: 'degraded',
      conditions: DETAILS.conditions,
      resolved_ip: '2001:db8::7',
      dns_ms: 3,
      connect_ms: 11,
      tls_ms: 27,
      ttfb_ms: 54,
      transfer_ms: 8,
      tls_version: 'TLSv1.3',
      cert_issuer: 'CN=Test CA "R3", O=Example\\Org',
      cert_expires_ms: String(DETAILS.certExpiresAt),
      cert_chain_expires_ms: String(DETAILS.certChainExpiresAt),
      conditions_type: 'array',
    },
  );

  const c = byId.get(conditionDown.id)!;
  assert.equal(c.state, 'down');
  assert.equal(c.ok, false);
  assert.equal(c.contains_exception, false, 'a failed condition is a verdict, not an exception');
  assert.deepEqual(c.conditions, conditionDown.conditions);
  assert.deepEqual([c.dns_ms, c.connect_ms, c.tls_ms], [null, null, null]);
  assert.deepEqual([c.ttfb_ms, c.transfer_ms], [12, 1], 'phase times rounded to whole ms');
  assert.equal(c.tls_version, null);
  assert.equal(c.cert_expires_ms, null);

  const m = byId.get(missed.id)!;
  assert.equal(m.state, 'unknown');
  assert.equal(m.contains_exception, true);
  // Every column 0001_result_details adds but state; the certificate times are read as epoch ms.
  for (const column of DETAIL_COLUMNS.filter((c) => c !== 'state')) {
    const k = column.replace(/_at$/, '_ms') as keyof DetailRow;
    assert.equal(m[k], null, `${k} is NULL when nothing was measured`);
  }

  // A resend (a crash before the local mark) still adds nothing: ON CONFLICT DO NOTHING on local_id.
  local.ldb.sqlite.prepare('UPDATE results SET exported_at = NULL').run();
  assert.equal((await exporter.exportOnce()).exported, 3);
  const [count] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM monitoring');
  assert.equal(count?.n, '3');
});
