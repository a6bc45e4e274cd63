import assert from 'node:assert/strict';
import { parseCondition } from '../../src/config/conditions.js';
import {
  type ConditionOutcome,
  evaluateCondition,
  type Observation,
  type RegexTest,
} from '../../src/probe/conditions.js';

/** Observations for the condition evaluator's tests, and a table check over them. */

export const NOW = Date.UTC(2025, 0, 1);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** An HTTPS probe that got a JSON body; each test changes what it needs. */
export function observation(changes: Partial<Observation> = {}): Observation {
  return {
    status: 200,
    responseTimeMs: 950,
    dnsMs: 12,
    connectMs: 30,
    tlsMs: 45,
    ttfbMs: 400,
    transferMs: 120,
    body: JSON.stringify({
      status: 'UP',
      count: 3,
      ratio: 0.5,
      version: '10',
      ok: true,
      gone: null,
      items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      meta: { region: 'eu', zone: 'b' },
    }),
    headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-count': '42' },
    certExpiresAt: NOW + 3 * DAY + 4 * HOUR,
    certIssuer: "Let's Encrypt R3",
    ip: '127.0.0.1',
    bytesRead: 1234,
    now: NOW,
    ...changes,
  };
}

export const nativeRegex: RegexTest = (source, flags, text) => new RegExp(source, flags).test(text);

export function evaluate(text: string, o: Observation = observation()): ConditionOutcome {
  const out = evaluateCondition(parseCondition(text), o, false, nativeRegex);
  assert.ok(!(out instanceof Promise), 'a synchronous regex test gives a synchronous outcome');
  return out;
}

/** [condition, held, observed] against the default observation. */
export type Row = [string, boolean, string];

export function checkConditions(rows: Row[], o?: Observation): void {
  for (const [text, held, observed] of rows) {
    const out = evaluate(text, o);
    assert.equal(out.held, held, `${text} (observed ${out.observed})`);
    assert.equal(out.observed, observed, text);
  }
}
