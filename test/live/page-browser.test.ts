import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'puppeteer-core';
import type { ServiceStatus } from '../../src/live/types.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { statusOf } from '../helpers/live-fake.js';
import { type Dom, openPage, refreshed, rows } from '../helpers/page-driver.js';

declare const document: Dom;
declare const getComputedStyle: Dom;

// The status page in real headless Chromium, against a stand-in for the daemon's HTTP server
// (test/helpers/live-fake.ts) whose statuses the test controls. Served with the page's real
// headers, so the CSP is in force: the page's script runs only if its hash is right.

let browser: Browser;
let closeBrowser: () => Promise<void>;
before(async () => {
  ({ browser, close: closeBrowser } = await launchChromium());
});
after(async () => {
  await closeBrowser?.();
});

const TOKEN = 'page-test-token-7d1e';
const open = (s: ServiceStatus[], o: Parameters<typeof openPage>[2] = {}, tok?: string) =>
  openPage(browser, s, o, tok);

function three(): ServiceStatus[] {
  return [
    statusOf('kup', 'http://127.0.0.1:8001/health'),
    statusOf('kdeg', 'http://127.0.0.1:8001/slow', { state: 'degraded', latencyP95Ms: 2400 }),
    statusOf('kdown', 'http://127.0.0.1:8002/', {
      state: 'down',
      lastStatusCode: 503,
      lastErrorClass: 'http_status',
      openIncident: { id: 'i1', kind: 'down', openedAt: Date.now() - 120_000, cause: 'status 503' },
    }),
  ];
}

test('states, search, a change within a refresh, history bars, the token as bearer; screenshot', async () => {
  const t = await open(three(), {}, TOKEN);
  try {
    // First paint is server-rendered: the states are there before the script has fetched anything.
    assert.deepEqual(
      (await rows(t.page)).map((r) => [r.key, r.state]),
      [
        ['kup', 'up'],
        ['kdeg', 'degraded'],
        ['kdown', 'down'],
      ],
    );
    await refreshed(t.page);
    assert.deepEqual(
      (await rows(t.page)).map((r) => r.state),
      ['up', 'degraded', 'down'],
    );
    const groups = await t.page.$$eval('#rows tr.group th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(groups, ['http://127.0.0.1:8001', 'http://127.0.0.1:8002']);
    assert.match((await rows(t.page))[2]?.text ?? '', /HTTP 503 · http_status.*down for 2 min/);

    // History bars: fetched with the bearer (the fake answers 401 without it) for the visible rows.
    await t.page.waitForFunction(() => document.querySelectorAll('#rows svg.bar').length === 3, {
      timeout: 15_000,
    });
    const label = await t.page.$eval('#rows tr[data-key="kup"] svg.bar', (s) => s.getAttribute('aria-label'));
    assert.equal(label, 'last 90 buckets: 89 up, 0 degraded, 1 down, 0 no data');
    assert.equal(await t.page.$$eval('#rows svg.spark', (s) => s.length), 3);

    // Search by state, by URL, then cleared.
    await t.page.type('#q', 'down');
    assert.deepEqual(
      (await rows(t.page)).map((r) => r.key),
      ['kdown'],
    );
    await t.page.$eval('#q', (q) => {
      (q as Dom).value = '';
    });
    await t.page.type('#q', '/slow');
    assert.deepEqual(
      (await rows(t.page)).map((r) => r.key),
      ['kdeg'],
    );
    await t.page.$eval('#q', (q) => {
      (q as Dom).value = '';
      q.dispatchEvent(new Event('input'));
    });
    assert.equal((await rows(t.page)).length, 3);

    // A service goes down: the page shows it within one refresh after the change is visible.
    const before = await refreshed(t.page);
    t.fake.statuses = t.fake.statuses.map((s) =>
      s.key === 'kup' ? { ...s, state: 'down', since: Date.now() } : s,
    );
    await t.page.waitForFunction(
      () => document.querySelector('#rows tr[data-key="kup"] .st')?.textContent?.endsWith('down'),
      { timeout: 15_000 },
    );
    // One refresh may have been in flight when the change was made, so at most two.
    assert.ok((await refreshed(t.page)) <= before + 2);
    assert.ok(!(await t.page.content()).includes(TOKEN), 'the token is not written into the page');
    assert.deepEqual(t.errors, []);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = resolve(join(ARTIFACTS, 'status-page.png'));
    await t.page.screenshot({ path: shot, fullPage: true });
    console.log(`# screenshot: ${shot}`);
  } finally {
    await t.close();
  }
});

test('keyboard focus survives a refresh; the History select; an API failure is shown, then cleared', async () => {
  const t = await open(three());
  try {
    await refreshed(t.page);
    // Tab order: search box, History select, then the first service link.
    await t.page.focus('#q');
    await t.page.keyboard.press('Tab');
    await t.page.keyboard.press('Tab');
    const focusedKey = () =>
      t.page.evaluate(() => document.activeElement?.closest('tr')?.dataset.key ?? null);
    assert.equal(await focusedKey(), 'kup');
    const n = await refreshed(t.page);
    await refreshed(t.page, n + 1);
    assert.equal(await focusedKey(), 'kup');

    await t.page.select('#range', 'h');
    // Hour buckets are asked for once the select changes (minute buckets before).
    for (let i = 0; i < 150 && !t.fake.historySteps.includes(3_600_000); i++) await sleep(100);
    assert.equal(t.fake.historySteps[0], 60_000);
    assert.ok(t.fake.historySteps.includes(3_600_000), String(t.fake.historySteps));

    t.fake.failStatus = true;
    await t.page.waitForFunction(() => document.getElementById('stale').textContent.includes('HTTP 503'), {
      timeout: 15_000,
    });
    assert.equal((await rows(t.page)).length, 3, 'the last list stays on the page');
    t.fake.failStatus = false;
    await t.page.waitForFunction(() => document.getElementById('stale').textContent === '', {
      timeout: 15_000,
    });
  } finally {
    await t.close();
  }
});

test('a URL containing <script> renders as text, before and after the script re-renders; no dialog', async () => {
  const evil = 'http://127.0.0.1:8003/<script>alert(1)</script>"><img src=x onerror=alert(2)>';
  const t = await open([
    statusOf('kevil', evil, { state: 'down', lastErrorClass: '<img src=y onerror=alert(3)>' }),
  ]);
  try {
    const shown = () => t.page.$eval('#rows tr[data-key="kevil"] td.svc', (td) => td.textContent);
    assert.equal(await shown(), evil);
    await refreshed(t.page, 2);
    assert.equal(await shown(), evil);
    assert.equal(await t.page.$$eval('#rows script, #rows img', (e) => e.length), 0);
    assert.deepEqual(t.dialogs, []);
  } finally {
    await t.close();
  }
});

test('public mode: keys and states, no URL even when the API sends them', async () => {
  const t = await open(
    [
      statusOf('pub1', 'https://secret-host.test/private', { state: 'down', lastErrorClass: 'timeout' }),
      statusOf('pub2', 'https://secret-host.test/b'),
    ],
    { public: true },
  );
  try {
    await refreshed(t.page, 1);
    await t.page.waitForFunction(() => document.querySelectorAll('#rows svg.bar').length === 2, {
      timeout: 15_000,
    });
    const html = await t.page.content();
    for (const leak of ['secret-host', '/private', 'timeout</']) assert.ok(!html.includes(leak), leak);
    assert.equal(await t.page.$$eval('#rows svg.spark, #rows a', (e) => e.length), 0);
    assert.deepEqual(
      (await rows(t.page)).map((r) => [r.key, r.state]),
      [
        ['pub1', 'down'],
        ['pub2', 'up'],
      ],
    );
  } finally {
    await t.close();
  }
});

test('dark and light follow prefers-color-scheme', async () => {
  const t = await open(three());
  try {
    const bg = () => t.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await t.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const light = await bg();
    await t.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    assert.notEqual(await bg(), light);
  } finally {
    await t.close();
  }
});
