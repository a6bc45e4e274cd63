import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { renderPage } from '../../src/live/page.js';
import type { ServiceStatus } from '../../src/live/types.js';
import { launchChromium } from '../helpers/browser.js';
import { statusOf } from '../helpers/live-fake.js';
import { type Dom, openPage, refreshed, rows } from '../helpers/page-driver.js';

declare const document: Dom;

// The status page at 10,000 services in real headless Chromium (see page-browser.test.ts).

let browser: Browser;
let closeBrowser: () => Promise<void>;
before(async () => {
  ({ browser, close: closeBrowser } = await launchChromium());
});
after(async () => {
  await closeBrowser?.();
});

const open = (s: ServiceStatus[], o: Parameters<typeof openPage>[2] = {}) => openPage(browser, s, o);

test('10,000 services: the first page server-rendered, paging by keyboard, search, history for visible rows only', async () => {
  const list = Array.from({ length: 10_000 }, (_, i) =>
    statusOf(`s${i}`, `http://10.0.${i % 50}.1:80/svc/${i}`, { state: i % 1000 === 7 ? 'down' : 'up' }),
  );
  const t0 = performance.now();
  const html = renderPage(list, { public: false, now: Date.now() });
  console.log(
    `# 10,000 services: renderPage ${(performance.now() - t0).toFixed(1)} ms, ${html.length} chars`,
  );
  const t = await open(list, { refreshMs: 5000 });
  try {
    await refreshed(t.page);
    const timing = (await t.page.evaluate(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { dcl: nav.domContentLoadedEventEnd, fcp: fcp ? fcp.startTime : null, bytes: nav.transferSize };
    })()`)) as { dcl: number; fcp: number | null; bytes: number };
    console.log(
      `# 10,000 services: DOMContentLoaded ${timing.dcl.toFixed(0)} ms, first contentful paint ${timing.fcp?.toFixed(0) ?? 'n/a'} ms, ${timing.bytes} bytes`,
    );
    // The first page (grouped: 10.0.0.1 has s0, s50, …) is the same with and without the script.
    let r = await rows(t.page);
    assert.equal(r.length, 100);
    assert.equal(r[0]?.key, 's0');
    assert.equal(r[1]?.key, 's50');
    const noScript = await browser.newPage();
    try {
      await noScript.setJavaScriptEnabled(false);
      await noScript.goto(`${t.fake.url}/`, { waitUntil: 'domcontentloaded' });
      assert.deepEqual(
        (await rows(noScript)).map((x) => x.key),
        r.map((x) => x.key),
      );
    } finally {
      await noScript.close();
    }
    assert.equal(await t.page.$eval('#page', (e) => e.textContent), 'Page 1 of 100');
    await t.page.focus('#next');
    await t.page.keyboard.press('Enter');
    r = await rows(t.page);
    assert.equal(r.length, 100);
    assert.equal(r[0]?.key, 's5000');
    assert.equal(await t.page.$eval('#page', (e) => e.textContent), 'Page 2 of 100');
    assert.match(
      await t.page.$eval('#summary', (e) => e.textContent ?? ''),
      /^101–200 of 10,000 services shown · 9,990 up · 10 down$/,
    );
    await t.page.waitForFunction(() => document.querySelectorAll('#rows svg.bar').length === 100, {
      timeout: 15_000,
    });
    const asked = new Set(t.fake.historyAsked);
    assert.ok(asked.size <= 200, `history asked for ${asked.size} services`);
    assert.ok(asked.has('s5000') && !asked.has('s1'));
    // One search keystroke = filter, group and render over all 10,000 in the browser.
    const keyMs = (await t.page.evaluate(`(() => {
      const q = document.getElementById('q');
      const t0 = performance.now();
      q.value = 'svc/1';
      q.dispatchEvent(new Event('input'));
      return performance.now() - t0;
    })()`)) as number;
    console.log(`# 10,000 services: a search keystroke re-renders in ${keyMs.toFixed(1)} ms`);
    assert.equal((await rows(t.page)).length, 100);
    await t.page.$eval('#q', (q: Dom) => {
      q.value = '';
    });
    await t.page.type('#q', 'svc/9999');
    assert.deepEqual(
      (await rows(t.page)).map((x) => x.key),
      ['s9999'],
    );
    assert.equal(await t.page.$eval('#page', (e) => e.textContent), 'Page 1 of 1');
  } finally {
    await t.close();
  }
});
