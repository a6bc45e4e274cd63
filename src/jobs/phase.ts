import { Cron } from 'croner';
import type { ResolvedService } from '../config/resolve.js';

/**
 * Where a service's probes fall in time. Interval services run fixed-rate on a grid
 * `scheduledAt = phase + k·interval` (epoch ms), the phase being a hash of the service key, so
 * 10,000 services at 5 s spread over the whole 5 s instead of firing in one tick, and a restart
 * lands on exactly the same slots (which is what makes the dedupe key work). Cron services use
 * croner's next-run times instead.
 */

/** Longest window a slot may still start in, so a daily cron slot is not started hours late. */
export const MAX_WINDOW_MS = 60_000;

export interface Slot {
  scheduledAt: number;
  /** Latest acceptable start (exclusive): the next slot, or scheduledAt + MAX_WINDOW_MS. */
  windowEndsAt: number;
}

/** 32-bit FNV-1a with a murmur3 finaliser: cheap, and its low bits are well mixed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The service's offset within its interval, 0 ≤ phase < intervalMs. */
export function phaseOf(key: string, intervalMs: number): number {
  return hash32(key) % intervalMs;
}

// Cron objects are parsed once per pattern; without a callback croner never starts a timer.
const crons = new Map<string, Cron>();

function cronFor(pattern: string): Cron {
  let c = crons.get(pattern);
  if (c === undefined) {
    c = new Cron(pattern, { paused: true });
    crons.set(pattern, c);
  }
  return c;
}

/** Throws croner's error when the pattern is not valid. */
export function validateCron(pattern: string): void {
  new Cron(pattern, { paused: true });
}

/**
 * Slots with `from <= scheduledAt < to`, in time order. Consecutive calls with adjacent ranges
 * therefore never return a slot twice nor skip one.
 */
export function slotsBetween(service: ResolvedService, from: number, to: number): Slot[] {
  const out: Slot[] = [];
  if (to <= from) return out;
  if (service.cron !== null) {
    const cron = cronFor(service.cron);
    // croner returns runs strictly after its argument, at whole seconds: step back 1 ms so a
    // run exactly at `from` is included.
    let next = cron.nextRun(new Date(from - 1));
    while (next !== null && next.getTime() < to) {
      const at = next.getTime();
      const after = cron.nextRun(next);
      const gap = after === null ? MAX_WINDOW_MS : after.getTime() - at;
      out.push({ scheduledAt: at, windowEndsAt: at + Math.min(gap, MAX_WINDOW_MS) });
      next = after;
    }
    return out;
  }
  const interval = service.intervalMs;
  const phase = phaseOf(service.key, interval);
  const window = Math.min(interval, MAX_WINDOW_MS);
  let at = phase + Math.ceil((from - phase) / interval) * interval;
  for (; at < to; at += interval) out.push({ scheduledAt: at, windowEndsAt: at + window });
  return out;
}

/**
 * The first slot at or after `from` (null: the schedule never fires again). Throws croner's error
 * for an invalid pattern, like slotsBetween.
 */
export function firstSlotAt(service: ResolvedService, from: number): number | null {
  if (service.cron !== null) {
    const next = cronFor(service.cron).nextRun(new Date(from - 1));
    return next === null ? null : next.getTime();
  }
  const interval = service.intervalMs;
  const phase = phaseOf(service.key, interval);
  return phase + Math.ceil((from - phase) / interval) * interval;
}

/** Probes per minute one service makes (cron services: estimated from their next hour). */
export function requestsPerMinute(service: ResolvedService, now: number = Date.now()): number {
  if (service.cron === null) return 60_000 / service.intervalMs;
  const hour = 3_600_000;
  return slotsBetween(service, now, now + hour).length / 60;
}
