// STUB (prober branch only)
import type { ErrorClass, ProbeState } from './types.js';
export function stateFor(errorClass: ErrorClass | null, degraded: boolean): ProbeState {
  return errorClass === 'missed' ? 'unknown' : errorClass !== null ? 'down' : degraded ? 'degraded' : 'up';
}
