import type { Browser, Page } from 'puppeteer-core';
import { PAGE_HEADERS, type PageOptions, renderPage } from '../../src/live/page.js';
import type { HistoryBucket, ServiceStatus } from '../../src/live/types.js';
import { startLiveFake } from './live-fake.js';

/** Opening the status page in Chromium against a LiveFake, and reading it back, for page tests. */

// Callbacks passed to page.evaluate & co. run in Chromium; the project compiles without DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the browser's globals, typed loosely on purpose
export type Dom = any;
declare const document: Dom;

/** 90 buckets, all up but slot 80 (one down of four). */
export function upHistory(_key: string, from: number, _to: number, step: number): HistoryBucket[] {
  return Array.from({ length: 90 }, (_, i) => ({
    at: from + i * step,
    n: 4,
    up: i === 80 ? 3 : 4,
    degraded: 0,
    down: i === 80 ? 1 : 0,
    missed: 0,
    latencyAvgMs: 20 + (i % 7) * 5,
    latencyP95Ms: 60,
  }));
}

/**
 * Serves `statuses` with the page's real headers (so its CSP is in force) and opens the page;
 * dialogs, page errors and console errors are collected.
 */
export async function openPage(
  browser: Browser,
  statuses: ServiceStatus[],
  opts: Partial<PageOptions> = {},
  token?: string,
) {
  const fake = await startLiveFake({
    statuses,
    token,
    history: upHistory,
    page: (s) => ({
      html: renderPage(s, { public: false, now: Date.now(), refreshMs: 300, ...opts }),
      headers: PAGE_HEADERS,
    }),
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url ?? ''}`);
  });
  await page.goto(`${fake.url}/${token ? `?token=${token}` : ''}`, { waitUntil: 'domcontentloaded' });
  return {
    fake,
    page,
    dialogs,
    errors,
    close: async () => {
      await page.close();
      await fake.close();
    },
  };
}

/** Waits until the script has applied `n` refreshes from /api/status. */

export async function refreshed(page: Page, n = 1): Promise<number> {
  await page.waitForFunction(
    (k) => Number(document.body.dataset.refreshes ?? 0) >= k,
    { timeout: 15_000 },
    n,
  );
  return page.evaluate(() => Number(document.body.dataset.refreshes));
}

/** Visible rows: key and state word. */

export function rows(page: Page): Promise<{ key: string; state: string; text: string }[]> {
  return page.$$eval('#rows tr[data-key]', (trs) =>
    trs.map((tr) => ({
      key: (tr as Dom).dataset.key as string,
      state: (tr.querySelector('.st')?.textContent ?? '').replace(/^\S+\s/, ''),
      text: tr.textContent ?? '',
    })),
  );
}
