import { type ConnectionInfo, connectionOf, type TlsInfo } from './connector.js';
import type { ProbeTrace } from './trace.js';

/** The phase times of one probe in ms, null where a phase did not happen, and what TLS showed. */
export interface Phases {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  transferMs: number | null;
  /** The address the request went to. */
  ip: string | null;
  tls: TlsInfo | null;
}

/** performance.now() marks a probe took along its way; null where it did not get that far. */
export interface Marks {
  /** The probe's start. */
  t0: number;
  /** The name lookup's time when the probe did one (not a cache hit, not an IP address). */
  dnsMs: number | null;
  /** When `request()` was called. */
  requestAt: number | null;
  headersAt: number | null;
  bodyEndAt: number | null;
}

// Floors, so that the phases never add up to more than the total (rounded) duration.
const span = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : Math.max(0, Math.floor(to - from));

/**
 * The phases of a probe. Connect and TLS count only for a connection made during this probe: a
 * reused keep-alive connection had its handshake for an earlier probe, and one made before this
 * probe started (for another request) did not cost this probe anything.
 */
export function phasesOf(marks: Marks, trace: ProbeTrace): Phases {
  const conn: ConnectionInfo | undefined = trace.socket ? connectionOf(trace.socket) : undefined;
  const fresh = conn !== undefined && conn.startedAt >= marks.t0;
  return {
    dnsMs: marks.dnsMs === null ? null : Math.floor(marks.dnsMs),
    connectMs: fresh ? span(conn.lookupAt ?? conn.startedAt, conn.connectedAt) : null,
    tlsMs: fresh ? span(conn.connectedAt, conn.secureAt) : null,
    ttfbMs: span(trace.sentAt ?? marks.requestAt, marks.headersAt),
    transferMs: span(marks.headersAt, marks.bodyEndAt),
    ip: trace.socket?.remoteAddress ?? null,
    tls: conn?.tls ?? null,
  };
}
