/** Shared look of Dispatch's own pages (popup, options). */
export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1f1f1f; --muted: #5f6368; --bg: #fff; --line: #dadce0; --accent: #1a73e8;
  --warn-bg: #fef7e0; --warn-fg: #8a4a00; --err-bg: #fce8e6; --err-fg: #b3261e; --ok: #188038; --chip: #f1f3f4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaed; --muted: #bdc1c6; --bg: #202124; --line: #5f6368; --accent: #8ab4f8;
  --warn-bg: #3c2f00; --warn-fg: #fdd663; --err-bg: #410e0b; --err-fg: #f2b8b5; --ok: #81c995; --chip: #303134; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 18px; margin: 0; } h2 { font-size: 16px; margin: 16px 0 8px; } h3 { font-size: 14px; margin: 12px 0 6px; }
button, input, select, textarea { font: inherit; color: inherit; }
button { border: 1px solid var(--accent); color: var(--accent); background: transparent; border-radius: 4px; padding: 5px 10px; cursor: pointer; }
button.primary { background: var(--accent); color: var(--bg); }
button:disabled { opacity: .5; cursor: default; }
button.link { border: 0; padding: 0; text-decoration: underline; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
input, select, textarea { border: 1px solid var(--line); border-radius: 4px; padding: 5px 7px; background: var(--bg); }
label { display: block; font-weight: 500; margin: 8px 0 2px; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.warn { background: var(--warn-bg); color: var(--warn-fg); padding: 6px 8px; border-radius: 4px; }
.error { background: var(--err-bg); color: var(--err-fg); padding: 6px 8px; border-radius: 4px; }
.ok { color: var(--ok); }
.tabs { display: flex; gap: 2px; border-bottom: 1px solid var(--line); }
.tabs [role=tab] { border: 0; border-bottom: 2px solid transparent; border-radius: 0; color: var(--muted); padding: 8px 12px; }
.tabs [role=tab][aria-selected=true] { color: var(--accent); border-bottom-color: var(--accent); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 10px 0; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.list { list-style: none; padding: 0; margin: 0; }
.list > li { border-bottom: 1px solid var(--line); padding: 8px 0; }
.badge { background: var(--chip); border-radius: 10px; padding: 0 8px; font-size: 12px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; font-size: 12px; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
`
