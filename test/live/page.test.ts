import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { PAGE_CSP, renderPage } from '../../src/live/page.js';
import { escapeHtml, historyHtml, matchesQuery, serviceLabel } from '../../src/live/page-render.js';
import { PAGE_SCRIPT } from '../../src/live/page-script.js';
import { statusOf } from '../helpers/live-fake.js';

const NOW = Date.UTC(2026, 11, 3, 8, 0, 0);

test('escapeHtml: the five HTML metacharacters, null and undefined as empty', () => {
  assert.equal(
    escapeHtml(`<a href="x" onclick='y'>&</a>`),
    '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
  );
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(undefined), '');
  assert.equal(escapeHtml(12), '12');
});

test('a URL with <script> renders inert: the only <script> is the page’s own', () => {
  const evil = 'http://127.0.0.1:1/<script>alert(1)</script>?"><img src=x onerror=alert(2)>';
  const html = renderPage(
    [
      statusOf('k1', evil, {
        state: 'down',
        lastErrorClass: '<b>x</b>',
        openIncident: { id: 'i', kind: 'down', openedAt: NOW - 60_000, cause: '<script>alert(3)</script>' },
      }),
    ],
    { public: false, now: NOW, title: '<i>t</i>' },
  );
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(!html.includes('<img'));
  assert.ok(!html.includes('<b>x'));
  assert.ok(!html.includes('<i>t'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('&lt;script&gt;alert(3)&lt;/script&gt;'));
});

test('only http(s) URLs become links', () => {
  assert.match(serviceLabel(statusOf('k', 'https://a.test/x'), false), /^<a href="https:\/\/a.test\/x"/);
  const js = { ...statusOf('k', 'https://a.test/'), url: 'javascript:alert(1)' };
  assert.equal(serviceLabel(js, false), 'javascript:alert(1)');
});

test('the inline script cannot end its own <script> element, and the CSP hashes it', () => {
  assert.ok(!/<\/script|<!--/i.test(PAGE_SCRIPT));
  const html = renderPage([statusOf('k', 'https://a.test/')], { public: false, now: NOW });
  const inline = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] as string;
  const h = createHash('sha256').update(inline).digest('base64');
  assert.ok(PAGE_CSP.includes(`'sha256-${h}'`));
});

test('public mode: no URL, host, origin, latency, error or incident cause', () => {
  const s = statusOf('abc123', 'https://secret-host.test/private/path', {
    state: 'down',
    lastStatusCode: 503,
    lastErrorClass: 'http_status',
    openIncident: { id: 'i', kind: 'down', openedAt: NOW - 60_000, cause: 'status 503 from secret-host' },
  });
  const html = renderPage([s], { public: true, now: NOW });
  for (const leak of ['secret-host', '/private/path', 'http_status', 'HTTP 503', 'Latency']) {
    assert.ok(!html.includes(leak), leak);
  }
  assert.ok(html.includes('abc123'));
  assert.ok(html.includes('st-down'));
  assert.ok(!matchesQuery(s, 'secret-host', true));
  assert.ok(matchesQuery(s, 'secret-host', false));
  assert.ok(matchesQuery(s, 'abc down', true));
});

test('grouped by origin, first page only: 100 rows of 250, three pages', () => {
  const list = Array.from({ length: 250 }, (_, i) => statusOf(`k${i}`, `http://h${i % 2}.test/${i}`));
  const html = renderPage(list, { public: false, now: NOW });
  const rows = /<tbody id="rows">([\s\S]*?)<\/tbody>/.exec(html)?.[1] as string;
  assert.equal(rows.match(/<tr data-key=/g)?.length, 100);
  assert.ok(html.includes('Page 1 of 3'));
  // h0's services come first as one group: k0, k2, …, k198 fill the first page.
  assert.equal(rows.match(/<tr class="group">/g)?.length, 1);
  assert.ok(rows.includes('data-key="k198"') && !rows.includes('data-key="k1"'));
  assert.ok(html.includes('1–100 of 250 services shown · 250 up'));
});

test('historyHtml: sparse buckets in their slots, no data elsewhere; the sparkline breaks at gaps', () => {
  const step = 60_000;
  const from = NOW - 90 * step;
  const b = (i: number, over: object) => ({
    at: from + i * step,
    n: 1,
    up: 0,
    degraded: 0,
    down: 0,
    missed: 0,
    latencyAvgMs: 10 * (i + 1),
    latencyP95Ms: null,
    ...over,
  });
  const svg = historyHtml(
    [b(0, { up: 1 }), b(1, { degraded: 1 }), b(5, { down: 1 }), b(6, { missed: 1 })],
    from,
    step,
    90,
    false,
  );
  assert.ok(svg.includes('1 up, 1 degraded, 1 down, 87 no data'));
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.ok(!historyHtml([b(0, { up: 1 })], from, step, 90, true).includes('spark'));
});
