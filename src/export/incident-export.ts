import type pg from 'pg';
import type { IncidentExportSource } from '../db/local/incident-export-source.js';
import { incidentParams, incidentUpsertSql } from '../db/remote/incident-upsert.js';
import { classifyRemoteError, describeRemoteError, isRowLevel } from '../db/remote/sqlstate.js';
import type { RemoteTable } from '../db/remote/table.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Incident } from '../results/incident.js';
import { Escape, local } from './escape.js';
import { withClient } from './remote-pool.js';

/**
 * The incident half of an export step: after the results, up to `batchSize` incidents whose
 * version grew since they were last exported are upserted in one statement (its own transaction),
 * then marked exported locally at the version that was sent.
 *
 * Exactly-once in effect, like the results: a crash between the remote COMMIT and the local mark
 * sends the same versions again, and the upsert's version guard absorbs them; an incident changed
 * after it was read keeps version > exported_version and goes again in the next step.
 */

/** Incidents per export step. 500: an incident changes only at its transitions, so few wait at once. */
export const DEFAULT_INCIDENT_BATCH = 500;

export interface IncidentExportOptions {
  source: IncidentExportSource;
  pool: pg.Pool;
  target: RemoteTable;
  /** The agent's location, written on every incident upserted (exporter.ts `location`). */
  location: string;
  logger: Logger;
  /** Most incidents per step. Default DEFAULT_INCIDENT_BATCH (500). */
  batchSize?: number | undefined;
  /** Stops sending one by one after a row-level refusal. */
  signal?: AbortSignal | undefined;
  /**
   * Fault injection for tests: called after the remote COMMIT and before the local mark; what it
   * throws escapes the export step as is. Default none.
   */
  afterCommit?: ((ids: readonly string[]) => void | Promise<void>) | undefined;
}

export interface IncidentStep {
  /** Incidents whose mark moved (sent now, or already in PostgreSQL from an earlier attempt). */
  exported: number;
  /** Incidents PostgreSQL refused on their own; marked at the refused version, with a warning. */
  refused: number;
  /** The step was full: more incidents are probably waiting. */
  full: boolean;
}

/** Every incident of a step was refused alike: the table, not the rows, is at fault. */
export class AllIncidentsRejected extends Error {}

export interface IncidentExport {
  /**
   * One step. Rejects with the remote error when PostgreSQL could not take the incidents (the
   * exporter classifies it and backs off), or with an `Escape` for a local failure. `beforeSend`
   * runs only when there is something to send (the exporter migrates there, lazily).
   */
  run(beforeSend: () => Promise<void>): Promise<IncidentStep>;
}

export function createIncidentExport(options: IncidentExportOptions): IncidentExport {
  const { source, pool, logger } = options;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_INCIDENT_BATCH));
  const statement = incidentUpsertSql(options.target);

  async function upsert(incidents: readonly Incident[]): Promise<void> {
    await withClient(pool, logger, (c) => c.query(statement, incidentParams(incidents, options.location)));
  }

  /** After the COMMIT: the fault hook, then the local mark at the versions sent. */
  async function mark(incidents: readonly Incident[]): Promise<number> {
    if (options.afterCommit) {
      try {
        await options.afterCommit(incidents.map((i) => i.id));
      } catch (err) {
        throw new Escape(err);
      }
    }
    return local(() => source.markExported(incidents));
  }

  /**
   * A row-level refusal of the whole statement: send one at a time, so that one bad incident does
   * not hold the others back. The ones refused alone are marked at their version with a warning
   * (the next change of the incident tries again) — but only when others went through: when all
   * fail alike, the table is at fault and everything is retried.
   */
  async function oneByOne(incidents: readonly Incident[]): Promise<IncidentStep> {
    const refused: Array<{ incident: Incident; reason: string }> = [];
    let exported = 0;
    for (const incident of incidents) {
      if (options.signal?.aborted) break;
      try {
        await upsert([incident]);
      } catch (err) {
        const e = toError(err);
        if (!isRowLevel(classifyRemoteError(e))) throw e;
        refused.push({ incident, reason: describeRemoteError(e) });
        continue;
      }
      exported += await mark([incident]);
    }
    if (exported === 0 && refused.length > 0) {
      throw new AllIncidentsRejected(
        `PostgreSQL rejected every incident of the batch: ${refused[0]!.reason}`,
      );
    }
    for (const { incident, reason } of refused) {
      local(() => source.markExported([incident]));
      logger.warn(
        { module: 'export', incident: incident.id, version: incident.version },
        `incident not exported: PostgreSQL refused the row: ${reason}`,
      );
    }
    return { exported, refused: refused.length, full: false };
  }

  return {
    async run(beforeSend) {
      const incidents = local(() => source.selectChanged(batchSize));
      if (incidents.length === 0) return { exported: 0, refused: 0, full: false };
      await beforeSend();
      const full = incidents.length >= batchSize;
      try {
        await upsert(incidents);
      } catch (err) {
        const e = toError(err);
        if (!isRowLevel(classifyRemoteError(e)) || incidents.length === 1) throw e;
        return { ...(await oneByOne(incidents)), full };
      }
      const exported = await mark(incidents);
      if (exported > 0) logger.info({ module: 'export' }, `Exported ${exported} incidents.`);
      return { exported, refused: 0, full };
    },
  };
}
