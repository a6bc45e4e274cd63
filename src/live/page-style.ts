/**
 * The status page's stylesheet, inlined (no CDN, works offline). Light by default, dark when the
 * system asks for it. A constant, so its CSP hash is constant too (page.ts).
 */
export const PAGE_STYLE = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;--focus:#0969da;
--up:#1a7f37;--deg:#9a6700;--down:#cf222e;--none:#8c959f;--link:#0969da;color-scheme:light dark}
@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;
--head:#161b22;--focus:#4493f8;--up:#3fb950;--deg:#d29922;--down:#f85149;--none:#6e7681;--link:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
h1{font-size:1.2rem;margin:0 1rem 0 0}
label{color:var(--muted)}
input,select,button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem}
input[type=search]{min-width:18rem}
button:disabled{opacity:.5}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
a{color:var(--link)}
#summary,#stale{color:var(--muted);margin:.5rem 1rem}
#stale:empty{display:none}
#stale{color:var(--down)}
table{border-collapse:collapse;width:100%}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
thead th{position:sticky;top:0;background:var(--head);z-index:1}
tr.group th{background:var(--head);font-weight:600}
td.svc{overflow-wrap:anywhere;min-width:14rem;max-width:36rem}
td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
td.hist{white-space:nowrap}
.st{font-weight:600;white-space:nowrap}
.st-up{color:var(--up)}.st-degraded{color:var(--deg)}.st-down{color:var(--down)}.st-unknown,.st-none{color:var(--none)}
.detail,.key{color:var(--muted)}
.key{font-family:ui-monospace,monospace}
.inc{color:var(--down);font-weight:600}
.empty{color:var(--muted);text-align:center}
svg.bar rect.b-up{fill:var(--up)}svg.bar rect.b-degraded{fill:var(--deg)}
svg.bar rect.b-down{fill:var(--down)}svg.bar rect.b-none{fill:var(--line)}
svg.spark polyline{fill:none;stroke:var(--fg);stroke-width:1;stroke-linecap:round}
nav.pager{display:flex;gap:.5rem;align-items:center;margin:.75rem 1rem}
`;
