import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCondition } from '../../src/config/conditions.js';
import { type ConditionOutcome, evaluateCondition, type RegexTest } from '../../src/probe/conditions.js';
import { createRegexMatcher } from '../../src/probe/regex-matcher.js';
import {
  checkConditions as check,
  DAY,
  HOUR,
  NOW,
  nativeRegex,
  observation,
} from '../helpers/observations.js';

test('every placeholder, held and not held, with what was observed', () => {
  check([
    ['[STATUS] == 200', true, '200'],
    ['[STATUS] == 404', false, '200'],
    ['[RESPONSE_TIME] < 1s', true, '950ms'],
    ['[RESPONSE_TIME] < 900', false, '950ms'],
    ['[DNS_TIME] <= 12ms', true, '12ms'],
    ['[DNS_TIME] < 12ms', false, '12ms'],
    ['[CONNECT_TIME] > 29', true, '30ms'],
    ['[CONNECT_TIME] > 0.5m', false, '30ms'],
    ['[TLS_TIME] >= 45', true, '45ms'],
    ['[TLS_TIME] > 45', false, '45ms'],
    ['[TTFB] != 1s', true, '400ms'],
    ['[TTFB] != 400ms', false, '400ms'],
    ['[TRANSFER_TIME] < 0.5s', true, '120ms'],
    ['[TRANSFER_TIME] > 1h', false, '120ms'],
    ['[BODY] ~= /"status":"UP"/', true, `"${observation().body!.slice(0, 100).replaceAll('"', '\\"')}…"`],
    ['[BODY] == "UP"', false, `"${observation().body!.slice(0, 100).replaceAll('"', '\\"')}…"`],
    ['[HEADER].content-type == application/json', true, '"application/json"'],
    ['[HEADER].content-type == text/html', false, '"application/json"'],
    ['[CERT_EXPIRY] > 48h', true, '3d 4h'],
    ['[CERT_EXPIRY] > 7d', false, '3d 4h'],
    ['[CERT_ISSUER] ~= /encrypt/i', true, '"Let\'s Encrypt R3"'],
    ['[CERT_ISSUER] ~= /encrypt/', false, '"Let\'s Encrypt R3"'],
    ['[IP] == 127.0.0.1', true, '"127.0.0.1"'],
    ['[IP] != 127.0.0.1', false, '"127.0.0.1"'],
    ['[BYTES] >= 1234', true, '1234'],
    ['[BYTES] < 1234', false, '1234'],
  ]);
});

test('durations in every unit compare in ms', () => {
  const o = observation({ responseTimeMs: 90_061_001 }); // 1d 1h 1m 1s 1ms
  check(
    [
      ['[RESPONSE_TIME] > 90061000ms', true, '90061001ms'],
      ['[RESPONSE_TIME] > 90061002', false, '90061001ms'],
      ['[RESPONSE_TIME] > 90061s', true, '90061001ms'],
      ['[RESPONSE_TIME] < 90061s', false, '90061001ms'],
      ['[RESPONSE_TIME] < 1502m', true, '90061001ms'],
      ['[RESPONSE_TIME] < 1501m', false, '90061001ms'],
      ['[RESPONSE_TIME] > 25h', true, '90061001ms'],
      ['[RESPONSE_TIME] > 26h', false, '90061001ms'],
      ['[RESPONSE_TIME] > 1d', true, '90061001ms'],
      ['[RESPONSE_TIME] >= 1.1d', false, '90061001ms'],
      ['[RESPONSE_TIME] == 1d1h1m1s1ms', true, '90061001ms'],
      ['[RESPONSE_TIME] == 1d1h1m1s', false, '90061001ms'],
    ],
    o,
  );
  // Fractions of a ms, as local phases take, show a tenth.
  check([['[DNS_TIME] < 1', true, '0.4ms']], observation({ dnsMs: 0.42 }));
});

test('certificate expiry: negative once expired, shown in its two largest units', () => {
  const at = (ms: number) => observation({ certExpiresAt: NOW + ms });
  check([['[CERT_EXPIRY] > 0', false, '-2d 1h']], at(-(2 * DAY + HOUR)));
  check([['[CERT_EXPIRY] < 1d', true, '5h 12m']], at(5 * HOUR + 12 * 60_000));
  check([['[CERT_EXPIRY] > 1m', true, '3m 7s']], at(187_000));
});

test('JSON paths compare by JSON type; a number and a numeric string compare as numbers', () => {
  check([
    ['[BODY].status == UP', true, '"UP"'],
    ['[BODY].status == "DOWN"', false, '"UP"'],
    ['[BODY].count == 3', true, '3'],
    ['[BODY].count > 3', false, '3'],
    ['[BODY].count == "3"', true, '3'],
    ['[BODY].ratio < 1', true, '0.5'],
    ['[BODY].version > 9', true, '"10"'],
    ['[BODY].version == 10', true, '"10"'],
    ['[BODY].status > 1', false, '"UP"'],
    ['[BODY].ok == true', true, 'true'],
    ['[BODY].ok == false', false, 'true'],
    ['[BODY].ok == "true"', false, 'true'],
    ['[BODY].gone == null', true, 'null'],
    ['[BODY].gone != null', false, 'null'],
    ['[BODY].items[1].name == b', true, '"b"'],
    ['[BODY].items[0].name == b', false, '"a"'],
    ['[BODY].items == 3', false, '(array of 3)'],
    ['[BODY].meta != "eu"', true, '(object)'],
    ['[BODY].meta ~= /"region":"eu"/', true, '(object)'],
    ['[BODY].count ~= /^3$/', true, '3'],
  ]);
  check([['[BODY][1] == 20', true, '20']], observation({ body: '[10, 20]' }));
});

test('any() with values and ranges; len() of strings, arrays and objects; has() of present values', () => {
  check([
    ['[STATUS] == any(200, 204)', true, '200'],
    ['[STATUS] == any(201, 300-399)', false, '200'],
    ['[STATUS] == any(100-199, 200-299)', true, '200'],
    ['[STATUS] != any(500-599)', true, '200'],
    ['[STATUS] != any(100-299)', false, '200'],
    ['[RESPONSE_TIME] == any(0-999)', true, '950ms'],
    ['[BODY].status == any(UP, "OK")', true, '"UP"'],
    ['[BODY].status == any(DOWN, 1-5)', false, '"UP"'],
    ['[BODY].version == any(1-9, 10-19)', true, '"10"'],
    ['len([BODY].items) == 3', true, 'len=3'],
    ['len([BODY].items) > 3', false, 'len=3'],
    ['len([BODY].meta) == 2', true, 'len=2'],
    ['len([BODY].status) == 2', true, 'len=2'],
    ['len([BODY]) > 1000', false, `len=${observation().body!.length}`],
    ['len([HEADER].content-type) == 16', true, 'len=16'],
    ['len([BODY].count) == 1', false, '(a number has no length)'],
    ['len([BODY].gone) == 0', false, '(null has no length)'],
    ['len([BODY].nope) == 0', false, '(path not found)'],
    ['has([BODY].items[2])', true, '(object)'],
    ['has([BODY].gone)', false, 'null'],
    ['has([BODY].meta.region) == true', true, '"eu"'],
    ['has([BODY].meta.country)', false, '(path not found)'],
  ]);
});

test('regex flags i, m, s and u, each changing the verdict', () => {
  const o = observation({ body: 'first line\nSecond Line 😀' });
  check(
    [
      ['[BODY] ~= /second/', false, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= /second/i', true, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= /^Second/', false, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= /^Second/m', true, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= /line.Second/', false, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= /line.Second/s', true, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= / .$/', false, '"first line\\nSecond Line 😀"'],
      ['[BODY] ~= / .$/u', true, '"first line\\nSecond Line 😀"'],
    ],
    o,
  );
});

test('the outcome carries the normalised condition and the degrades flag', () => {
  const out = evaluateCondition(parseCondition('[status]==200'), observation(), true, nativeRegex);
  assert.deepEqual(out, { condition: '[STATUS] == 200', degrades: true, held: true, observed: '200' });
});

test('a body read by three JSON-path conditions is parsed once per observation', (t) => {
  const parse = t.mock.method(JSON, 'parse');
  const conditions = ['[BODY].status == UP', '[BODY].count == 3', 'len([BODY].items) == 3'].map((c) =>
    parseCondition(c),
  );
  const o = observation();
  for (const c of conditions)
    assert.equal((evaluateCondition(c, o, false, nativeRegex) as ConditionOutcome).held, true);
  assert.equal(parse.mock.callCount(), 1);
  // A new observation is a new body.
  const other = observation({ body: '{"status":"DOWN","count":3,"items":[]}' });
  const held = conditions.map(
    (c) => (evaluateCondition(c, other, false, nativeRegex) as ConditionOutcome).held,
  );
  assert.deepEqual(held, [false, true, false]);
  assert.equal(parse.mock.callCount(), 2);
  // A body that is not JSON is also tried once.
  const broken = observation({ body: 'not json' });
  for (const c of conditions) evaluateCondition(c, broken, false, nativeRegex);
  assert.equal(parse.mock.callCount(), 3);
});

test("with the project's regex matcher, an isolated pattern gives a promise of the outcome", async (t) => {
  const matcher = createRegexMatcher();
  t.after(() => matcher.close());
  const compiled = new Map<string, ReturnType<typeof matcher.compile>>();
  const signal = new AbortController().signal;
  const viaMatcher: RegexTest = (source, flags, text) => {
    assert.equal(flags, '', 'the matcher takes patterns without flags');
    let re = compiled.get(source);
    if (re === undefined) {
      re = matcher.compile(source);
      compiled.set(source, re);
    }
    if (typeof re === 'string') throw new Error(re);
    return matcher.test(re, text, signal);
  };
  // A backreference cannot run in RE2: it runs in the isolated matcher, asynchronously.
  const backreference = parseCondition('[BODY] ~= /(UP)\\W+\\1/');
  const held = evaluateCondition(backreference, observation({ body: 'UP, UP' }), false, viaMatcher);
  assert.ok(held instanceof Promise);
  assert.deepEqual(await held, {
    condition: '[BODY] ~= /(UP)\\W+\\1/',
    degrades: false,
    held: true,
    observed: '"UP, UP"',
  });
  const notHeld = await evaluateCondition(backreference, observation({ body: 'UP, DOWN' }), true, viaMatcher);
  assert.equal(notHeld.held, false);
  // A literal pattern runs in line: the outcome is there at once.
  const inline = evaluateCondition(
    parseCondition('[BODY] ~= /"status":"UP"/'),
    observation(),
    false,
    viaMatcher,
  );
  assert.ok(!(inline instanceof Promise));
  assert.equal(inline.held, true);
});
