import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExpectStatus } from '../../src/config/expect-status.js';
import { checkExpectStatus } from '../../src/config/validate.js';
import { UsageError } from '../../src/errors.js';

test('expect_status parses single codes, ranges and lists', () => {
  const s = parseExpectStatus('200,204, 300-399');
  for (const ok of [200, 204, 300, 350, 399]) assert.equal(s.has(ok), true, String(ok));
  for (const bad of [199, 201, 203, 205, 299, 400, 500, 99, 600, 0])
    assert.equal(s.has(bad), false, String(bad));
  const all = parseExpectStatus('100-599');
  assert.equal(all.has(100) && all.has(599), true);
  assert.equal(parseExpectStatus('200-399').has(302), true);
});

test('expect_status rejects malformed specs with a usage error', () => {
  for (const spec of ['', '2xx', '200-', '399-200', '99', '600', '200;204', '200,,204', 'abc']) {
    assert.throws(() => parseExpectStatus(spec), UsageError, spec);
  }
});

test('the config check and the prober share one grammar: a spec one accepts, the other accepts too', () => {
  const accepted = ['200', '200-399', '200,204,300-399', '200 - 399', ' 200 , 204 ', '100-599'];
  const refused = ['', '2xx', '200-', '399-200', '99', '600', '200;204', '200,,204', 'abc', '200--399'];
  for (const spec of accepted) {
    assert.equal(checkExpectStatus(spec), null, `config refused '${spec}'`);
    assert.doesNotThrow(() => parseExpectStatus(spec), `prober refused '${spec}'`);
  }
  for (const spec of refused) {
    assert.match(checkExpectStatus(spec) ?? '', /^expect_status must look like/, `config accepted '${spec}'`);
    assert.throws(() => parseExpectStatus(spec), UsageError, `prober accepted '${spec}'`);
  }
  assert.equal(parseExpectStatus('200 - 399').has(302), true);
});
