import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { runMonitor } from '../helpers/cli.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { type Dom, refreshed, rows } from '../helpers/page-driver.js';
import { serviceConfig } from '../helpers/services.js';

declare const document: Dom;

const TOKEN = 'status-page-token-5a9c31';
const INTERVAL_MS = 5000;

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Real local servers: /up answers 200, /slow 200 (degraded by its condition), /down 500; /up can be switched down. */
async function startTargets() {
  let upIsDown = false;
  const server = createServer((req, res) => {
    const bad = req.url === '/down' || (req.url === '/up' && upIsDown);
    res.writeHead(bad ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(bad ? 'broken' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (p: string) => `http://127.0.0.1:${port}${p}`,
    takeUpDown: () => {
      upIsDown = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('the status page of a real daemon in headless Chromium: three states, search, a server going down shows within two probe intervals; screenshot', async () => {
  const targets = await startTargets();
  const port = await freePort();
  const cfg = tempConfig({
    external_database_uri: null,
    http: { listen: `127.0.0.1:${port}`, token: TOKEN },
    services: [
      serviceConfig(targets.url('/up'), { interval_sec: 5 }),
      serviceConfig(targets.url('/slow'), { interval_sec: 5, degraded_when: ['[STATUS] == 200'] }),
      serviceConfig(targets.url('/down'), { interval_sec: 5 }),
    ],
  });
  const d = startDaemon(cfg.configPath, ['--http', `127.0.0.1:${port}`]);
  const { browser, close } = await launchChromium();
  try {
    await d.waitFor(/Live view on http/, 20_000);
    const page = await browser.newPage();
    // The page is opened the way a user opens it: the token in its address.
    await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    const byUrl = async () => {
      const list = await rows(page);
      const out: Record<string, string> = {};
      for (const r of list)
        for (const p of ['/up', '/slow', '/down']) if (r.text.includes(targets.url(p))) out[p] = r.state;
      return out;
    };
    // Until every service has a result (first slot within one interval of the start).
    const deadline = Date.now() + 4 * INTERVAL_MS;
    let states: Record<string, string> = {};
    while (Date.now() < deadline) {
      await refreshed(
        page,
        Number(await page.evaluate(() => Number(document.body.dataset.refreshes ?? 0))) + 1,
      );
      states = await byUrl();
      if (states['/up'] === 'up' && states['/slow'] === 'degraded' && states['/down'] === 'down') break;
    }
    assert.deepEqual(states, { '/up': 'up', '/slow': 'degraded', '/down': 'down' });

    await page.type('#q', 'slow');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr[data-key]').length === 1, {
      timeout: 5000,
    });
    assert.deepEqual(Object.keys(await byUrl()), ['/slow'], 'the search box filters the list');
    await page.click('#q', { clickCount: 3 });
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr[data-key]').length === 3, {
      timeout: 5000,
    });

    const wentDown = Date.now();
    targets.takeUpDown();
    while (Date.now() - wentDown < 2 * INTERVAL_MS + 5000) {
      await refreshed(
        page,
        Number(await page.evaluate(() => Number(document.body.dataset.refreshes ?? 0))) + 1,
      );
      if ((await byUrl())['/up'] === 'down') break;
    }
    const seenAfter = Date.now() - wentDown;
    assert.equal((await byUrl())['/up'], 'down', 'the page shows the server that went down');
    assert.ok(
      seenAfter <= 2 * INTERVAL_MS + 1000,
      `shown ${seenAfter} ms after the server went down (two probe intervals: ${2 * INTERVAL_MS} ms)`,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = resolve(join(ARTIFACTS, 'status-page-live.png'));
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# screenshot: ${shot}`);
    // `monitor status` asks the running daemon (its API, with the config's token).
    const st = await runMonitor(['status', '--json', '--config-path', cfg.configPath]);
    assert.equal(st.code, 1, 'exit 1: a service is down');
    const listed = (JSON.parse(st.stdout) as { services: { url: string; state: string }[] }).services;
    assert.deepEqual(
      listed.map((s) => [new URL(s.url).pathname, s.state]),
      [
        ['/up', 'down'],
        ['/slow', 'degraded'],
        ['/down', 'down'],
      ],
    );
    const html = await page.content();
    assert.ok(!html.includes(TOKEN), 'the token is not in the page');
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
    assert.ok(!d.output().includes(TOKEN), 'nor in the log');
  } finally {
    await close();
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await targets.close();
    cfg.remove();
  }
});
