import type { HttpMethod } from '../../config/types.js';
import type { Incident, IncidentKind, Resolution } from '../../results/incident.js';
import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

/** The exporter's view of the incidents table. */
export interface IncidentExportSource {
  /** Incidents changed since they were last exported (version > exported_version), oldest opened first. */
  selectChanged(limit: number): Incident[];
  /**
   * Record that these versions reached PostgreSQL (called only after the remote COMMIT). Each
   * incident's exported_version becomes the version that was sent, never less than it was: an
   * incident changed after it was read stays ahead of its mark and is sent again. Returns how many
   * marks moved.
   */
  markExported(sent: ReadonlyArray<Pick<Incident, 'id' | 'version'>>): number;
  /** How many incidents wait for export. */
  countChanged(): number;
}

/** Matches the partial index incidents_unexported. */
const CHANGED = 'version > exported_version';

type IncidentRow = [
  id: string,
  agent: string,
  serviceKey: string,
  url: string,
  method: string,
  kind: string,
  openedAt: number,
  resolvedAt: number | null,
  resolution: string | null,
  cause: string,
  firstResultId: string,
  openingResultId: string,
  resolvingResultId: string | null,
  version: number,
];

const COLUMNS =
  'id, agent, service_key, url, method, kind, opened_at, resolved_at, resolution, cause, ' +
  'first_result_id, opening_result_id, resolving_result_id, version';

function rowToIncident(r: IncidentRow): Incident {
  return {
    id: r[0],
    agent: r[1],
    serviceKey: r[2],
    url: r[3],
    method: r[4] as HttpMethod,
    kind: r[5] as IncidentKind,
    openedAt: r[6],
    resolvedAt: r[7],
    resolution: r[8] as Resolution | null,
    cause: r[9],
    firstResultId: r[10],
    openingResultId: r[11],
    resolvingResultId: r[12],
    version: r[13],
  };
}

export function createIncidentExportSource(ldb: LocalDatabase): IncidentExportSource {
  const { sqlite } = ldb;
  const select = prepared(
    sqlite,
    `SELECT ${COLUMNS} FROM incidents WHERE ${CHANGED} ORDER BY opened_at LIMIT ?`,
  ).raw(true);
  // `exported_version < ?`: a mark only moves forward, so an older export finishing late cannot
  // make a newer version look sent. Setting the SENT version (not the current one) is what keeps a
  // change made between the read and the mark in the queue.
  const mark = prepared(
    sqlite,
    'UPDATE incidents SET exported_version = ? WHERE id = ? AND exported_version < ? AND version >= ?',
  );
  const count = prepared(sqlite, `SELECT count(*) AS n FROM incidents WHERE ${CHANGED}`);
  const markTx = sqlite.transaction((sent: ReadonlyArray<Pick<Incident, 'id' | 'version'>>): number => {
    let moved = 0;
    for (const { id, version } of sent) moved += mark.run(version, id, version, version).changes;
    return moved;
  });

  return {
    selectChanged(limit) {
      if (limit <= 0) return [];
      return (select.all(limit) as IncidentRow[]).map(rowToIncident);
    },
    markExported(sent) {
      if (sent.length === 0) return 0;
      return markTx(sent);
    },
    countChanged() {
      return (count.get() as { n: number }).n;
    },
  };
}
