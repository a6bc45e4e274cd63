import type { HealthRow, IncidentStore, TrackedIncident } from '../db/local/incident-store.js';
import type { IncidentKind } from '../results/incident.js';

/**
 * What the tracker keeps in memory, mirrored in SQLite: each alerting service's recent letters and
 * its live incidents (open, or resolved with a held-back notification). Changes made inside a
 * transaction are journaled, so a rollback (SQLITE_FULL, say) puts memory back as the database is.
 */
export class TrackerState {
  readonly health: Map<string, HealthRow>;
  /** Live incidents by service key, then kind. */
  readonly live = new Map<string, Map<IncidentKind, TrackedIncident>>();
  /** Resolved incidents whose resolution is held back, by id. */
  readonly heldResolved = new Map<string, TrackedIncident>();
  private journal: (() => void)[] = [];

  constructor(store: IncidentStore) {
    this.health = store.loadHealth();
    for (const i of store.loadLive()) {
      if (i.resolvedAt === null) this.kindsOf(i.serviceKey).set(i.kind, i);
      else this.heldResolved.set(i.id, i);
    }
  }

  kindsOf(key: string): Map<IncidentKind, TrackedIncident> {
    let m = this.live.get(key);
    if (m === undefined) {
      m = new Map();
      this.live.set(key, m);
    }
    return m;
  }

  openKinds(key: string): ReadonlySet<IncidentKind> {
    const m = this.live.get(key);
    return m === undefined ? EMPTY : new Set(m.keys());
  }

  setHealth(key: string, row: HealthRow | undefined): void {
    const before = this.health.get(key);
    this.journal.push(() => (before === undefined ? this.health.delete(key) : this.health.set(key, before)));
    if (row === undefined) this.health.delete(key);
    else this.health.set(key, row);
  }

  /** Puts `i` where it belongs: open, held after resolution, or gone. */
  setIncident(i: TrackedIncident, previous: TrackedIncident | undefined): void {
    this.journal.push(() => {
      this.drop(i);
      if (previous !== undefined) this.place(previous);
    });
    this.drop(i);
    this.place(i);
  }

  private drop(i: TrackedIncident): void {
    const m = this.live.get(i.serviceKey);
    if (m?.get(i.kind)?.id === i.id) m.delete(i.kind);
    if (m?.size === 0) this.live.delete(i.serviceKey);
    this.heldResolved.delete(i.id);
  }

  private place(i: TrackedIncident): void {
    if (i.resolvedAt === null) this.kindsOf(i.serviceKey).set(i.kind, i);
    else if (i.heldEvent !== null) this.heldResolved.set(i.id, i);
  }

  committed(): void {
    this.journal = [];
  }

  rolledBack(): void {
    for (let k = this.journal.length - 1; k >= 0; k--) this.journal[k]?.();
    this.journal = [];
  }
}

const EMPTY: ReadonlySet<IncidentKind> = new Set();
