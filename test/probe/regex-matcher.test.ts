import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegexTimeoutError } from '../../src/probe/classify.js';
import { createProber } from '../../src/probe/prober.js';
import { type CompiledRegex, createRegexMatcher, type RegexMatcher } from '../../src/probe/regex-matcher.js';
import { isBacktrackSafe } from '../../src/probe/regex-safety.js';
import { startOkServer } from '../helpers/http-servers.js';
import { resolvedService } from '../helpers/services.js';

/** Backtracks without end in V8 on 30 'a' and a 'b'; the lookahead keeps it away from RE2. */
const CATASTROPHIC_LOOKAHEAD = '^(a+)+(?=$)';
const EVIL_BODY = `${'a'.repeat(30)}b`;
const never = new AbortController().signal;

function compiled(m: RegexMatcher, source: string): CompiledRegex {
  const re = m.compile(source);
  assert.notEqual(typeof re, 'string', `${source} should compile`);
  return re as CompiledRegex;
}

test('the linear-safety analysis accepts literal-ish patterns and refuses every backtracking shape', () => {
  for (const ok of [
    '\\{"openapi":"3\\.1\\.0"',
    '"status":\\s*"ok"',
    '"status": *"up"',
    'ok',
    '^ok$',
    '<title>[A-Z]',
    'id=\\d',
    'x:\\s+y',
    '^\\s*\\{',
  ]) {
    assert.equal(isBacktrackSafe(ok), true, ok);
  }
  for (const bad of [
    '^(a+)+$',
    '(a|a)*b',
    '\\s*"ok"', // from each of n spaces the run reaches the end: n²
    'a\\w*x', // 'a' is in \w: runs overlap
    ':[^"]*"', // ':' is in [^"]
    'enters.*battlefield',
    'a*a*b',
    'x\\s*\\s*y',
    'https?://',
    'a{1,30}b',
    '(ab)\\1',
    '(?=a)a',
    'a\\bb',
    'x.*?y',
    '',
  ]) {
    assert.equal(isBacktrackSafe(bad), false, bad);
  }
});

test('each pattern gets the engine that keeps it linear or isolated', async () => {
  const m = createRegexMatcher();
  try {
    const engine = (s: string) => compiled(m, s).engine;
    assert.equal(engine('\\{"openapi":"3\\.1\\.0"'), 'native');
    assert.equal(engine('^(a+)+$'), 're2');
    assert.equal(engine('enters.*battlefield'), 're2');
    assert.equal(engine('(ab)\\1'), 'isolated');
    assert.equal(engine('foo(?=bar)'), 'isolated');
    assert.equal(engine('(?<=a)b'), 'isolated');
    // JavaScript reads \z as the letter z; RE2 would read "end of text".
    assert.equal(engine('foo\\z'), 'isolated');
    assert.match(String(m.compile('(')), /^invalid regex: /);
  } finally {
    await m.close();
  }
});

test('every engine gives the same verdicts as JavaScript RegExp', async () => {
  // inlineRe2Work 0 sends every RE2 match through the isolated thread as well.
  const inline = createRegexMatcher();
  const isolated = createRegexMatcher({ inlineRe2Work: 0 });
  const texts = [
    '{"openapi":"3.1.0","info":{}}',
    '{"status": "ok"}',
    '{"status":"down"}',
    'abab',
    'xx\nyy',
    '',
  ];
  const patterns = [
    '\\{"openapi":"3\\.1\\.0"',
    '"status":\\s*"ok"',
    '"status":\\s*"(ok|up)"',
    '^\\{.*\\}$',
    '(ab)\\1',
    'b(?!a)',
    'x.y',
    '\\d+',
    '^$',
  ];
  try {
    for (const p of patterns) {
      const expected = texts.map((t) => new RegExp(p).test(t));
      for (const m of [inline, isolated]) {
        const re = compiled(m, p);
        const got: boolean[] = [];
        for (const t of texts) got.push(await m.test(re, t, never));
        assert.deepEqual(got, expected, `${p} (${re.engine})`);
      }
    }
  } finally {
    await inline.close();
    await isolated.close();
  }
});

test('^(a+)+$ is answered by RE2 in line: no match, no timeout', async () => {
  const m = createRegexMatcher();
  try {
    const verdict = m.test(compiled(m, '^(a+)+$'), EVIL_BODY, never);
    assert.equal(verdict, false); // a boolean, not a promise: it ran in line, and it ended
    assert.equal(m.test(compiled(m, '^(a+)+$'), 'aaaa', never), true);
  } finally {
    await m.close();
  }
});

test('a catastrophic pattern RE2 cannot take ends at its budget with RegexTimeoutError; the next match works', async () => {
  const m = createRegexMatcher({ budgetMs: 300 });
  try {
    const t0 = Date.now();
    await assert.rejects(
      Promise.resolve(m.test(compiled(m, CATASTROPHIC_LOOKAHEAD), EVIL_BODY, never)),
      (e) => {
        assert.ok(e instanceof RegexTimeoutError);
        assert.equal((e as RegexTimeoutError).code, 'E_REGEX_TIMEOUT');
        return true;
      },
    );
    assert.ok(Date.now() - t0 < 300 + 2000, `ended after ${Date.now() - t0} ms`);
    // The overrunning thread was replaced: a backreference pattern still works afterwards.
    const backref = compiled(m, '(ab)\\1');
    assert.equal(await m.test(backref, 'xxababx', never), true);
    assert.equal(await m.test(backref, 'xxabx', never), false);
  } finally {
    await m.close();
  }
});

test('an aborted isolated match rejects with the abort reason at once', async () => {
  const m = createRegexMatcher({ budgetMs: 60_000 });
  try {
    const c = new AbortController();
    const pending = Promise.resolve(m.test(compiled(m, CATASTROPHIC_LOOKAHEAD), EVIL_BODY, c.signal));
    setTimeout(() => c.abort(new Error('shutdown')), 200);
    const t0 = Date.now();
    await assert.rejects(pending, /shutdown/);
    assert.ok(Date.now() - t0 < 2000, `ended after ${Date.now() - t0} ms`);
  } finally {
    await m.close();
  }
});

test('the isolated queue is bounded: past maxQueue a match is refused at once as a timeout', async () => {
  const m = createRegexMatcher({ budgetMs: 1000, threads: 1, maxQueue: 1 });
  try {
    const re = compiled(m, CATASTROPHIC_LOOKAHEAD);
    const running = Promise.resolve(m.test(re, EVIL_BODY, never));
    const queued = Promise.resolve(m.test(re, EVIL_BODY, never));
    await assert.rejects(Promise.resolve(m.test(re, EVIL_BODY, never)), /already waiting/);
    await assert.rejects(running, RegexTimeoutError);
    await assert.rejects(queued, RegexTimeoutError);
  } finally {
    await m.close();
  }
});

test('a pattern that overran once runs in a lane of its own: it cannot delay other isolated patterns', async () => {
  const m = createRegexMatcher({ budgetMs: 1000, threads: 1 });
  try {
    const evil = compiled(m, CATASTROPHIC_LOOKAHEAD);
    const backref = compiled(m, '(ab)\\1');
    await assert.rejects(Promise.resolve(m.test(evil, EVIL_BODY, never)), RegexTimeoutError);
    // Now a suspect: its next match spends its whole budget, in the suspect lane.
    let evilSettled = false;
    const again = Promise.resolve(m.test(evil, EVIL_BODY, never)).finally(() => {
      evilSettled = true;
    });
    assert.equal(await m.test(backref, 'xxababx', never), true);
    assert.equal(evilSettled, false, 'the backreference match waited for the catastrophic one');
    await assert.rejects(again, RegexTimeoutError);
  } finally {
    await m.close();
  }
});

test('a probe whose regex overruns is regex_timeout, keeps its status, and others are unaffected', async () => {
  const evil = await startOkServer({ body: EVIL_BODY });
  const good = await startOkServer({ body: '{"openapi":"3.1.0"}' });
  const prober = createProber({ regex: { budgetMs: 300 } });
  try {
    const slow = prober.probe(
      resolvedService(evil.url, { check_regex: true, regex: CATASTROPHIC_LOOKAHEAD, timeout: 5 }),
      {
        scheduledAt: Date.now(),
        agent: 't',
      },
    );
    const fine = await prober.probe(
      resolvedService(good.url, { check_regex: true, regex: '\\{"openapi":"3\\.1\\.0"', timeout: 2 }),
      {
        scheduledAt: Date.now(),
        agent: 't',
      },
    );
    assert.equal(fine.ok, true);
    const r = await slow;
    assert.equal(r.errorClass, 'regex_timeout');
    assert.match(r.errorMessage ?? '', /E_REGEX_TIMEOUT/);
    assert.equal(r.statusCode, 200);
    assert.equal(r.regexMatched, null);
    // A deadline shorter than the budget: the time ran out in the regex, so it is still the regex's fault.
    const short = createProber({ regex: { budgetMs: 60_000 } });
    try {
      const d = await short.probe(
        resolvedService(evil.url, { check_regex: true, regex: CATASTROPHIC_LOOKAHEAD, timeout: 1 }),
        {
          scheduledAt: Date.now(),
          agent: 't',
        },
      );
      assert.equal(d.errorClass, 'regex_timeout');
      assert.match(d.errorMessage ?? '', /deadline of 1000 ms/);
    } finally {
      await short.close();
    }
  } finally {
    await prober.close();
    await evil.close();
    await good.close();
  }
});
