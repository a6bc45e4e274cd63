/**
 * Carries an error that must leave an export step as is (local failures, injected crashes): the
 * exporter classifies every other error as a remote failure and backs off.
 */
export class Escape {
  constructor(readonly error: unknown) {}
}

/** A call on the local database: what it throws leaves the export step as is. */
export function local<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Escape(err);
  }
}
