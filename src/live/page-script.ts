import { PAGE_RENDER_FNS } from './page-render.js';

/**
 * The status page's script, inlined. It takes over from the server-rendered first page: every
 * `data-refresh` ms (default 5 s) it fetches `api/status` (relative, so it follows the page behind
 * a path prefix) and re-renders only the visible page of rows; search and paging run over that
 * list in the browser; each visible row's history (`api/services/:key/history`) is fetched lazily,
 * six at a time, and kept for a minute. When the page URL carries `?token=…` the script sends it
 * as `Authorization: Bearer …` (a page cannot set headers on its own navigation, so the server must
 * accept the token in the query for `GET /`); the token is never written into the page.
 *
 * Plain ES2020 in a string (the project compiles without DOM types; no backslash, backtick or
 * dollar-brace inside, or the template would change it); the row renderers are
 * page-render.ts's functions, injected by source. Constant text, so the CSP hash is constant.
 */
const CLIENT = `
"use strict";
var body = document.body;
var pub = body.dataset.public === "1";
var per = Number(body.dataset.per) || 100;
var refreshMs = Number(body.dataset.refresh) || 5000;
var tbody = document.getElementById("rows");
var q = document.getElementById("q");
var range = document.getElementById("range");
var summary = document.getElementById("summary");
var stale = document.getElementById("stale");
var prev = document.getElementById("prev");
var next = document.getElementById("next");
var pageInfo = document.getElementById("page");
var token = new URLSearchParams(location.search).get("token");
var headers = token ? { Authorization: "Bearer " + token } : {};
var all = null, shown = [], page = 0, refreshes = 0;
var hist = new Map(), queue = [], active = 0;
var STEPS = { m: 60000, h: 3600000, d: 86400000 };

function pages() { return Math.max(1, Math.ceil(shown.length / per)); }

function render() {
  if (!all) return;
  shown = groupOrder(all.filter(function (s) { return matchesQuery(s, q.value, pub); }), pub);
  page = Math.min(page, pages() - 1);
  // Keep keyboard focus on the same row's link across a re-render.
  var focused = document.activeElement && tbody.contains(document.activeElement)
    ? document.activeElement.closest("tr").dataset.key : null;
  tbody.innerHTML = pageRowsHtml(shown, pub, Date.now(), page, per);
  summary.textContent = summaryText(all, shown.length, page, per);
  pageInfo.textContent = "Page " + (page + 1) + " of " + pages();
  prev.disabled = page === 0;
  next.disabled = page >= pages() - 1;
  if (focused) {
    var a = tbody.querySelector('tr[data-key="' + CSS.escape(focused) + '"] a');
    if (a) a.focus();
  }
  fillHistory();
}

function window_() {
  var step = STEPS[range.value] || 60000;
  var to = Math.floor(Date.now() / step) * step + step;
  return { step: step, from: to - 90 * step, to: to };
}

function fillHistory() {
  var w = window_();
  queue = [];
  tbody.querySelectorAll("tr[data-key]").forEach(function (tr) {
    var key = tr.dataset.key, h = hist.get(key + "|" + w.step);
    if (h) tr.querySelector("td.hist").innerHTML = h.html;
    if (!h || Date.now() - h.at > Math.min(60000, w.step)) queue.push(key);
  });
  pump();
}

function pump() {
  while (active < 6 && queue.length > 0) {
    active++;
    loadHistory(queue.shift()).finally(function () { active--; pump(); });
  }
}

function loadHistory(key) {
  var w = window_();
  var url = "api/services/" + encodeURIComponent(key) + "/history?from=" + w.from + "&to=" + w.to + "&step=" + w.step;
  return fetch(url, { headers: headers, cache: "no-store" }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(function (j) {
    var buckets = Array.isArray(j) ? j : j.buckets || [];
    var html = historyHtml(buckets, w.from, w.step, 90, pub);
    hist.set(key + "|" + w.step, { at: Date.now(), html: html });
    var tr = tbody.querySelector('tr[data-key="' + CSS.escape(key) + '"]');
    if (tr) tr.querySelector("td.hist").innerHTML = html;
  }).catch(function () { /* the row keeps its last bar; the status refresh reports outages */ });
}

function refresh() {
  fetch("api/status", { headers: headers, cache: "no-store" }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(function (j) {
    all = Array.isArray(j) ? j : j.services;
    refreshes++;
    body.dataset.refreshes = String(refreshes);
    stale.textContent = "";
    body.dataset.updated = String(Date.now());
    render();
  }).catch(function (e) {
    stale.textContent = "Not updated since " + new Date(Number(body.dataset.updated)).toLocaleTimeString() + ": " + e.message;
  }).finally(function () {
    setTimeout(refresh, refreshMs);
  });
}

q.addEventListener("input", function () { page = 0; render(); });
range.addEventListener("change", fillHistory);
prev.addEventListener("click", function () { page = Math.max(0, page - 1); render(); });
next.addEventListener("click", function () { page = Math.min(pages() - 1, page + 1); render(); });
refresh();
`;

/** The inline script: the shared renderers, then the client, in one closure. */
export const PAGE_SCRIPT = `(function () {\n${PAGE_RENDER_FNS.map((f) => f.toString()).join('\n')}\n${CLIENT}})();`;
