import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Condition,
  ConditionError,
  conditionsUsedPlaceholders,
  MAX_CONDITION_LENGTH,
  type Placeholder,
  parseCondition,
  regexCondition,
  statusCondition,
} from '../../src/config/conditions.js';
import { MonitorError } from '../../src/errors.js';

/** The condition without its source, to compare what two texts mean. */
const meaning = (c: Condition) => ({ left: c.left, op: c.op, right: c.right });

/** Each [input, source]: `make(input)` states `source`, and that source parses back to the same meaning. */
function assertSources(make: (input: string) => Condition, cases: Array<[string, string]>): void {
  for (const [input, source] of cases) {
    const c = make(input);
    assert.equal(c.source, source, input);
    assert.deepEqual(meaning(parseCondition(c.source)), meaning(c), input);
  }
}

test('every placeholder parses, case-insensitively, to its normalised source', () => {
  assertSources(parseCondition, [
    ['[status] == 200', '[STATUS] == 200'],
    ['[Response_Time]<800ms', '[RESPONSE_TIME] < 800ms'],
    ['[DNS_TIME] <= 50', '[DNS_TIME] <= 50'],
    ['[CONNECT_TIME] < 1s', '[CONNECT_TIME] < 1s'],
    ['[TLS_TIME] < 0.5s', '[TLS_TIME] < 0.5s'],
    ['[ttfb] >= 1m', '[TTFB] >= 1m'],
    ['[TRANSFER_TIME] > 1h', '[TRANSFER_TIME] > 1h'],
    ['[BODY] == OK', '[BODY] == "OK"'],
    ['[body].a.b[0].c == UP', '[BODY].a.b[0].c == "UP"'],
    ['[BODY][0] != null', '[BODY][0] != null'],
    ['[HEADER].Content-Type == "text/html"', '[HEADER].content-type == "text/html"'],
    ['[CERT_EXPIRY] > 7d', '[CERT_EXPIRY] > 7d'],
    ['[cert_issuer] == "R3"', '[CERT_ISSUER] == "R3"'],
    ['[IP] == 127.0.0.1', '[IP] == "127.0.0.1"'],
    ['[BYTES] > 0', '[BYTES] > 0'],
    ['  LEN( [BODY].items )  >  2 ', 'len([BODY].items) > 2'],
    ['HAS([BODY].x)', 'has([BODY].x)'],
    ['has([HEADER].x-id) == false', 'has([HEADER].x-id) == false'],
    ['[STATUS] == ANY(200,204 , 300 - 399)', '[STATUS] == any(200, 204, 300-399)'],
    ['[BODY] ~= /^ok$/im', '[BODY] ~= /^ok$/im'],
    ['[BODY].msg == "say \\"hi\\" \\\\ bye"', '[BODY].msg == "say \\"hi\\" \\\\ bye"'],
  ]);
});

test('the parsed form: subjects, functions and values by the left side type', () => {
  const path = parseCondition('[BODY].items[2].name == "x"');
  assert.deepEqual(path.left, { fn: null, subject: { kind: 'json', path: ['items', 2, 'name'] } });
  assert.deepEqual(path.right, { kind: 'string', value: 'x' });
  assert.deepEqual(parseCondition('[HEADER].X-Id == 5').left.subject, { kind: 'header', name: 'x-id' });
  // has() alone means has() == true.
  const has = parseCondition('has([BODY].a)');
  assert.equal(has.op, '==');
  assert.deepEqual(has.right, { kind: 'bool', value: true });
  assert.deepEqual(meaning(has), meaning(parseCondition('has([BODY].a) == true')));
  // Next to a time a bare number is ms; every unit, and compound durations, become ms.
  const ms = (text: string) => (parseCondition(`[RESPONSE_TIME] < ${text}`).right as { value: number }).value;
  assert.equal(ms('800'), 800);
  assert.equal(ms('800ms'), 800);
  assert.equal(ms('1.5s'), 1500);
  assert.equal(ms('2m'), 120_000);
  assert.equal(ms('48h'), 48 * 3_600_000);
  assert.equal(ms('7d'), 7 * 86_400_000);
  assert.equal(ms('1h30m'), 5_400_000);
  assert.equal(ms('-1d'), -86_400_000);
  // Next to a JSON value: true/false/null by type, bare words and quoted text are strings.
  const right = (text: string) => parseCondition(`[BODY].v == ${text}`).right;
  assert.deepEqual(right('true'), { kind: 'bool', value: true });
  assert.deepEqual(right('null'), { kind: 'null' });
  assert.deepEqual(right('-2.5'), { kind: 'number', value: -2.5 });
  assert.deepEqual(right('"true"'), { kind: 'string', value: 'true' });
  assert.deepEqual(right('1.2.3'), { kind: 'string', value: '1.2.3' });
  // Next to text, true is the word "true".
  assert.deepEqual(parseCondition('[HEADER].x == true').right, { kind: 'string', value: 'true' });
  assert.deepEqual(parseCondition('[STATUS] == any(200, 300-399)').right, {
    kind: 'any',
    items: [
      { kind: 'number', value: 200 },
      { kind: 'range', low: 300, high: 399 },
    ],
  });
  assert.deepEqual(parseCondition('[BODY] ~= /a[/]b\\/c/su').right, {
    kind: 'regex',
    source: 'a[/]b\\/c',
    flags: 'su',
  });
});

test('statusCondition states an expect_status spec, and its source reads back', () => {
  assertSources(statusCondition, [
    ['200-399', '[STATUS] == any(200-399)'],
    ['200,204, 300 - 399', '[STATUS] == any(200, 204, 300-399)'],
    ['200', '[STATUS] == 200'],
    ['200,201', '[STATUS] == any(200, 201)'],
  ]);
  for (const bad of ['', '2xx', '399-200', '600']) {
    assert.throws(() => statusCondition(bad), {
      code: 'E_CONDITION',
      message: /^expect_status must look like/,
    });
  }
});

test('regexCondition states check_regex, and its source reads back', () => {
  const cases: Array<[string, string]> = [
    ['\\{"openapi":"3\\.1\\.0"', '[BODY] ~= /\\{"openapi":"3\\.1\\.0"/'],
    // A slash is escaped so that the condition can hold it; one inside a class need not be.
    ['https?://x/[/]', '[BODY] ~= /https?:\\/\\/x\\/[/]/'],
    ['a\\/b', '[BODY] ~= /a\\/b/'],
  ];
  assertSources(regexCondition, cases);
  for (const [regex] of cases) {
    // The escaped pattern matches what the original does.
    const r = regexCondition(regex).right as { source: string };
    for (const text of ['https://x//', '{"openapi":"3.1.0"}', 'a/b', 'ab'])
      assert.equal(new RegExp(r.source).test(text), new RegExp(regex).test(text), `${regex} on ${text}`);
  }
  assert.throws(() => regexCondition('a('), {
    code: 'E_CONDITION',
    message: /bad regex: Unterminated group/,
  });
  assert.throws(() => regexCondition(''), { code: 'E_CONDITION', message: /empty regex/ });
});

test('conditionsUsedPlaceholders names what the prober must keep', () => {
  const used = (text: string) => [...conditionsUsedPlaceholders(parseCondition(text))];
  const cases: Array<[string, Placeholder[]]> = [
    ['[STATUS] == 200', ['STATUS']],
    ['[BODY].a == 1', ['BODY']],
    ['len([BODY]) > 0', ['BODY']],
    ['has([HEADER].etag)', ['HEADER']],
    ['[CERT_EXPIRY] > 7d', ['CERT_EXPIRY']],
    ['[TTFB] < 1s', ['TTFB']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(used(text), expected, text);
});

test('each malformed condition is refused with one line naming the problem and its column', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /^condition "": empty condition$/],
    ['   ', /empty condition$/],
    ['[STATS] == 200', /unknown placeholder "\[STATS\]" \(known: \[STATUS\] .*\) at column 1$/],
    ['[STATUS] === 200', /^condition "\[STATUS\] === 200": unknown operator "===" at column 10$/],
    ['[STATUS] = 200', /unknown operator "=" at column 10$/],
    ['[STATUS]', /missing an operator \(== != < <= > >= ~=\) after "\[STATUS\]" at column 9$/],
    ['[STATUS] ==', /missing the value after "==" at column 12$/],
    ['[STATUS] == 200 OK', /unexpected "OK" after the condition at column 17$/],
    ['[RESPONSE_TIME] < 5x', /bad duration "5x" \(a number and a unit: ms, s, m, h, d.*\) at column 19$/],
    ['[RESPONSE_TIME] < ms', /bad duration "ms" .* at column 19$/],
    [
      '[STATUS] < 5s',
      /a duration \(5s\) compared with \[STATUS\], which is a number, not a time at column 12$/,
    ],
    ['[BODY].uptime > 5s', /a duration \(5s\) compared with \[BODY\]\.uptime, which is a JSON value/],
    ['[STATUS == 200', /unclosed "\[" at column 1$/],
    ['[BODY] == "abc', /unclosed quote at column 11$/],
    ['len([BODY] > 2', /unclosed "\(" of len\(\) at column 4$/],
    ['[STATUS] == any(200, 204', /unclosed "\(" of any\(\) at column 13$/],
    ['[BODY] ~= /abc', /unclosed regex \(no closing "\/"\) at column 11$/],
    ['[BODY] ~= /(/', /bad regex \/\(\/: Unterminated group at column 11$/],
    ['[BODY] ~= /a/g', /unknown regex flag "g" \(allowed: i, m, s, u\) at column 14$/],
    ['[BODY] ~= //', /empty regex at column 11$/],
    ['[BODY]..a == 1', /empty key in the JSON path at column 8$/],
    ['[BODY].[ == 1', /empty key in the JSON path at column 8$/],
    ['[BODY][x] == 1', /a JSON path index must be a whole number.* at column 8$/],
    ['[BODY][0 == 1', /unclosed "\[" in the JSON path at column 7$/],
    ['size([BODY]) > 1', /unknown function "size" .* at column 1$/],
    ['[STATUS] == all(200)', /unknown function "all" \(any goes on the right\) at column 13$/],
    [
      '[HEADER].server < "b"',
      /"<" cannot order \[HEADER\]\.server, which is text; use ==, != or ~= at column 17$/,
    ],
    ['[BODY] > 5', /">" cannot order \[BODY\], which is text/],
    ['[IP] >= 1', /">=" cannot order \[IP\], which is text/],
    ['[CERT_ISSUER] <= 1', /"<=" cannot order \[CERT_ISSUER\], which is text/],
    [
      '[BODY].name < "m"',
      /"<" cannot order strings; it needs a number or a duration on the right at column 15$/,
    ],
    ['[STATUS] == OK', /expected a number, got "OK" at column 13$/],
    ['[STATUS] == "200"', /a string compared with \[STATUS\], which is a number/],
    ['[BODY] ~= ok', /"~=" needs a \/regex\/ on the right/],
    ['[BODY] == /ok/', /a \/regex\/ needs the operator "~=", not "==" at column 8$/],
    ['[RESPONSE_TIME] ~= /1/', /"~=" cannot match \[RESPONSE_TIME\], which is a time/],
    [
      'len([STATUS]) > 1',
      /len\(\) needs text or a JSON value, not \[STATUS\], which is a number at column 1$/,
    ],
    ['has([BODY].a) == 1', /has\(\[BODY\]\.a\) compares only with true or false, got "1"/],
    ['has([BODY].a) > true', /">" cannot order has\(\[BODY\]\.a\)/],
    ['[HEADER] == x', /\[HEADER\] needs a header name, as in \[HEADER\]\.content-type at column 9$/],
    ['[STATUS].code == 1', /\[STATUS\] takes no path/],
    ['[STATUS] == [BODY].x', /comparing two placeholders is not supported at column 13$/],
    ['[STATUS] < any(200)', /any\(\) needs == or !=, not "<"/],
    ['[STATUS] == any()', /any\(\) needs at least one value/],
    ['[STATUS] == any(399-200)', /range "399-200" is empty/],
    ['[IP] == any(1-2)', /a range \(1-2\) needs a number on the left/],
    ['[STATUS] == any(null)', /null cannot be inside any\(\)/],
    ['[STATUS] < null', /"<" needs a number or a duration on the right/],
    ['[STATUS] == 1234567890123', /number "1234567890123" is too long/],
    [
      '200 == [STATUS]',
      /expected a placeholder such as \[STATUS\], or len\(…\) or has\(…\), got "200" at column 1$/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseCondition(text),
      (e: unknown) => {
        assert.ok(e instanceof ConditionError, text);
        assert.equal(e.code, 'E_CONDITION');
        assert.ok(e instanceof MonitorError && e.exitCode === 2, 'maps to exit code 2');
        assert.match(e.message, message, text);
        assert.ok(e.message.startsWith(`condition ${JSON.stringify(text)}: `), e.message);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
  }
});

test('a condition over the length limit is refused; a newline inside stays one line in the message', () => {
  const long = `[BODY] == "${'x'.repeat(MAX_CONDITION_LENGTH)}"`;
  assert.throws(() => parseCondition(long), {
    code: 'E_CONDITION',
    message: new RegExp(`longer than ${MAX_CONDITION_LENGTH} characters \\(${long.length}\\)$`),
  });
  assert.throws(
    () => parseCondition('[STATUS]\n== 2xx'),
    (e: Error) => {
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, /^condition "\[STATUS\]\\n== 2xx": bad duration "2xx"/);
      return true;
    },
  );
});
