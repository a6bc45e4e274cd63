import type { RemoteFailureKind } from '../db/remote/sqlstate.js';
import type { Logger } from '../log/logger.js';

export type ConnectionStatus = 'connected' | 'disconnected' | 'unknown';

/**
 * Why the remote could not be used; decides how loudly and in which words it is logged. A row-level
 * refusal reaches this only when every row of a batch failed alike: then the table is at fault.
 */
export type FailureKind = Exclude<RemoteFailureKind, 'row'>;

/**
 * Tracks whether PostgreSQL is reachable and logs only the changes: one line when the connection
 * is lost (or the kind of failure changes, e.g. from "refused" to "wrong password"), one when it is
 * restored — never one per retry, however long the outage.
 */
export class ConnectionState {
  private status: ConnectionStatus = 'unknown';
  private kind: FailureKind | null = null;
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what = 'PostgreSQL',
  ) {}

  get state(): ConnectionStatus {
    return this.status;
  }

  /** Failed attempts since the last success. */
  get failedAttempts(): number {
    return this.failures;
  }

  /** A successful round trip. Logs the recovery when there was an outage. */
  succeeded(): void {
    if (this.status === 'disconnected') {
      const attempts = `${this.failures} failed attempt${this.failures === 1 ? '' : 's'}`;
      // A connection that could not be made is "restored"; a fixed table or a server that could
      // not take the batch lets the export resume.
      const reconnected = this.kind === 'connection' || this.kind === 'auth' || this.kind === 'database';
      this.logger.info(
        { module: 'export', failedAttempts: this.failures },
        reconnected
          ? `connection to ${this.what} restored after ${attempts}`
          : `export to ${this.what} resumed after ${attempts}`,
      );
    }
    this.status = 'connected';
    this.kind = null;
    this.failures = 0;
  }

  /** A failed attempt. Logs only when this starts an outage or changes its kind. */
  failed(kind: FailureKind, reason: string): void {
    this.failures += 1;
    const changed = this.status !== 'disconnected' || this.kind !== kind;
    this.status = 'disconnected';
    this.kind = kind;
    if (!changed) return;
    const fields = { module: 'export', kind };
    switch (kind) {
      case 'auth':
        this.logger.error(
          fields,
          `authentication to ${this.what} failed: ${reason} — check the user and password in external_database_uri; results are kept locally and retried`,
        );
        break;
      case 'database':
        this.logger.error(
          fields,
          `${this.what} database unavailable: ${reason} — check external_database_uri; results are kept locally and retried`,
        );
        break;
      case 'table':
        this.logger.error(
          fields,
          `${this.what} table unusable: ${reason}; results are kept locally and retried until the table is fixed`,
        );
        break;
      case 'unavailable':
        this.logger.warn(
          fields,
          `${this.what} cannot take results right now: ${reason}; results are kept locally and retried`,
        );
        break;
      case 'other':
        this.logger.error(
          fields,
          `export to ${this.what} failed: ${reason}; results are kept locally and retried`,
        );
        break;
      case 'connection':
        this.logger.warn(fields, `lost connection to ${this.what}: ${reason}`);
    }
  }
}
