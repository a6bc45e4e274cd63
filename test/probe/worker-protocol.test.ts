import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeResult, encodeResult, RESULT_STRIDE } from '../../src/probe/worker-protocol.js';
import type { ProbeResult } from '../../src/results/types.js';
import { DETAILS, makeResult } from '../helpers/results.js';
import { resolvedService } from '../helpers/services.js';

test('a result crosses the worker boundary whole: every detail field, ok from the state', () => {
  const service = resolvedService('https://127.0.0.1:8443/health', { check_regex: true, regex: 'ok' });
  const ctx = { service, scheduledAt: 1_800_000_000_000, agent: 'agent-x' };
  const own = {
    agent: ctx.agent,
    url: service.url,
    method: service.method,
    regexRequired: service.checkRegex,
    regex: service.regex,
  };
  const degraded = makeResult(service.key, ctx.scheduledAt, { ...own, ...DETAILS, regexMatched: true });
  const down = makeResult(service.key, ctx.scheduledAt, {
    ...own,
    state: 'down',
    ok: false,
    errorClass: 'tls',
    errorMessage: 'certificate has expired (CERT_HAS_EXPIRED)',
    resolvedIp: '127.0.0.1',
    dnsMs: 1,
    connectMs: 2,
  });
  const cells: Parameters<typeof encodeResult>[0] = [];
  encodeResult(cells, 7, degraded);
  encodeResult(cells, 8, down);
  assert.equal(cells.length, 2 * RESULT_STRIDE);
  // What postMessage does to the message.
  const received = structuredClone(cells);
  assert.equal(received[RESULT_STRIDE], 8, 'the second result starts one stride on');
  // The maintenance mark is the recorder's (it is set when the result is written), never the worker's.
  const unmarked = ({ maintenance: _, ...r }: ProbeResult) => r;
  assert.deepEqual(decodeResult(received, 0, ctx), unmarked(degraded));
  assert.deepEqual(decodeResult(received, RESULT_STRIDE, ctx), unmarked(down));
  assert.equal('maintenance' in decodeResult(received, 0, ctx), false);
  assert.equal(decodeResult(received, 0, ctx).ok, true, 'degraded is ok although error_class is set');
});
