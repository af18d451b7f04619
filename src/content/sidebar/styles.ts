/** Styles of the sidebar and the toast, injected into their shadow roots (host CSS cannot reach them). */
export const SIDEBAR_CSS = `
:host { all: initial; }
.dsp, .dsp * { box-sizing: border-box; }
.dsp { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
  color: #1f1f1f; background: #fff; border: 1px solid #dadce0; border-radius: 8px; padding: 10px 12px; width: 260px;
  box-shadow: 0 2px 6px rgba(60,64,67,.15); display: flex; flex-direction: column; gap: 8px; max-height: 100%; overflow: auto; }
.dsp-collapsed { width: auto; padding: 4px; }
.dsp-head { display: flex; align-items: center; justify-content: space-between; }
.dsp-title { font-size: 14px; font-weight: 600; margin: 0; color: #1a73e8; }
.dsp-section { display: flex; flex-direction: column; gap: 4px; }
.dsp-row { display: flex; gap: 6px; }
.dsp-row .dsp-input { flex: 1; min-width: 0; }
.dsp-row-wrap { flex-wrap: wrap; }
.dsp-row-wrap .dsp-input { flex: 1 1 150px; }
.dsp-label { font-weight: 500; font-size: 12px; color: #444746; }
.dsp-input { font: inherit; padding: 5px 6px; border: 1px solid #c4c7c5; border-radius: 4px; background: #fff; color: inherit; width: 100%; }
.dsp-check { display: flex; gap: 6px; align-items: center; }
.dsp-schedule { border: 0; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 4px; }
.dsp-button { font: inherit; font-weight: 500; border-radius: 4px; border: 1px solid #1a73e8; background: #fff; color: #1a73e8;
  padding: 6px 10px; cursor: pointer; }
.dsp-button:disabled { opacity: .5; cursor: default; }
.dsp-primary { background: #1a73e8; color: #fff; padding: 8px 12px; }
.dsp-secondary { white-space: nowrap; }
.dsp-icon, .dsp-expand { font: inherit; border: 0; background: transparent; cursor: pointer; padding: 2px 6px; border-radius: 4px; color: #444746; }
.dsp-expand { font-size: 16px; color: #1a73e8; }
:is(.dsp-button, .dsp-icon, .dsp-expand, .dsp-input):focus-visible { outline: 2px solid #0b57d0; outline-offset: 1px; }
.dsp-muted { color: #5f6368; margin: 0; }
.dsp p { margin: 0; }
.dsp-mailbox { display: flex; align-items: center; gap: 6px; word-break: break-all; }
.dsp-dot { width: 8px; height: 8px; border-radius: 50%; background: #9aa0a6; flex: none; }
.dsp-dot-connected { background: #188038; }
.dsp-dot-expired, .dsp-dot-revoked { background: #e37400; }
.dsp-warn { color: #8a4a00; background: #fef7e0; border-radius: 4px; padding: 4px 6px; }
.dsp-error { color: #b3261e; background: #fce8e6; border-radius: 4px; padding: 4px 6px; }
.dsp-notice { color: #137333; }
.dsp-budget { background: #f1f3f4; border-radius: 4px; padding: 6px; }
.dsp-fineprint { font-size: 11px; color: #5f6368; }
.dsp-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  .dsp { background: #202124; color: #e8eaed; border-color: #5f6368; }
  .dsp-input { background: #303134; border-color: #5f6368; }
  .dsp-button { background: #202124; color: #8ab4f8; border-color: #8ab4f8; }
  .dsp-primary { background: #8ab4f8; color: #202124; }
  .dsp-budget { background: #303134; }
  .dsp-label, .dsp-muted, .dsp-fineprint { color: #bdc1c6; }
}
`

export const TOAST_CSS = `
:host { all: initial; position: fixed; left: 24px; bottom: 24px; z-index: 2147483646; }
.tst { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
  display: flex; flex-direction: column; gap: 8px; }
.tst-item { display: flex; align-items: center; gap: 10px; background: #323232; color: #fff; border-radius: 6px; padding: 10px 14px;
  box-shadow: 0 3px 8px rgba(0,0,0,.3); min-width: 260px; max-width: 420px; }
.tst-text { flex: 1; overflow-wrap: anywhere; }
.tst-subject { opacity: .8; font-size: 12px; display: block; }
.tst-detail { font-size: 12px; display: block; color: #ffd8a8; }
.tst-detail[hidden] { display: none; }
.tst-item[data-state=failed] { background: #8c1d18; }
.tst-item[data-state=sent] { background: #0d652d; }
.tst-close { font: inherit; background: transparent; color: #fff; border: 0; cursor: pointer; padding: 2px 6px; }
.tst-close:focus-visible { outline: 2px solid #fff; }
`
