import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNotDuplicate, numberedServices, serviceByNumber } from '../../src/config/services.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { UsageError } from '../../src/errors.js';

function svc(url: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  return { url, method: 'GET', check_regex: false, regex: null, interval_sec: 5, timeout: 15, ...extra };
}

test('NUMBER order is the sort of url+method+check_regex+regex as Python strings', () => {
  const a = svc('http://b/');
  const b = svc('http://a/', { method: 'POST' });
  const c = svc('http://a/');
  // Python's str(False) < str(True), and 'GET' < 'POST': c, d, b, then the other host.
  const d = svc('http://a/', { check_regex: true, regex: 'x' });
  const services = [a, b, c, d];
  assert.deepEqual(numberedServices(services), [c, d, b, a]);
  assert.deepEqual(services, [a, b, c, d], 'the config order is not changed');
  assert.equal(serviceByNumber(services, '2'), b);
});

test('NUMBER must be a whole number in range', () => {
  const services = [svc('http://a/'), svc('http://b/')];
  for (const [raw, pattern] of [
    ['2', /no service number 2: valid numbers are 0\.\.1/],
    ['-1', /whole number/],
    ['abc', /whole number/],
    ['1.5', /whole number/],
  ] as const) {
    assert.throws(
      () => serviceByNumber(services, raw),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
    );
  }
  assert.throws(() => serviceByNumber([], '0'), /there are no services/);
});

test('a service with the same url, method, check_regex and regex is a duplicate; interval does not matter', () => {
  const services = [svc('http://a/'), svc('http://b/')];
  assert.throws(
    () => assertNotDuplicate(services, svc('http://b/', { interval_sec: 60 })),
    /service number 1 already has/,
  );
  assert.doesNotThrow(() => assertNotDuplicate(services, svc('http://b/', { method: 'HEAD' })));
  // Updating a service in place is not a duplicate of itself.
  assert.doesNotThrow(() => assertNotDuplicate(services, svc('http://b/', { timeout: 3 }), services[1]));
});
