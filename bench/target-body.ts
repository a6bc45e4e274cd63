/**
 * What the benchmark's target answers on every path (bench/target-server.ts), with the regex the
 * services check it with (bench/monitor-config.ts): one definition, so the two never disagree.
 */
export interface TargetResponse {
  /** The response body (served as application/json). */
  body: string;
  /** The services' `regex` (check_regex on): matches `body`. */
  regex: string;
}

/** What every section but `10k-conditions` serves. */
export const HEALTHY_RESPONSE: TargetResponse = {
  body: '{"status":"healthy","version":"1.0.0"}\n',
  regex: '"status":"healthy"',
};

/** A small JSON document that a `[BODY].status == "UP"` condition reads (`10k-conditions`). */
export const UP_RESPONSE: TargetResponse = {
  body: '{"status":"UP"}',
  regex: '"status":"UP"',
};
