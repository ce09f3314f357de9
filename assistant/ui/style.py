"""The page's look: theme, CSS, and the head (the footer's style, the script that makes a citation [n] scroll to
its source card)."""

from __future__ import annotations

import gradio as gr

CSS = """
.gradio-container { max-width: 1500px !important; }
#app-title h1 { margin: 0 0 2px 0; font-size: 1.5rem; }
#app-title p { margin: 0; color: var(--body-text-color-subdued); }
.index-warning { border: 1px solid #f59e0b; background: #fffbeb; color: #78350f; padding: 10px 14px;
  border-radius: 8px; }
.index-warning code { background: #fef3c7; }
#sources .src-panel { max-height: 72vh; overflow-y: auto; padding-right: 4px; scroll-behavior: smooth; }
.src-head { font-weight: 600; padding: 4px 0 8px; color: var(--body-text-color); position: sticky; top: 0;
  z-index: 2; background: var(--background-fill-primary); max-height: 5.2em; overflow: hidden; }
.src-head q { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
  word-break: break-word; }
.src-card { scroll-margin-top: 64px; }
.src-head q { font-weight: 400; }
.src-note { color: var(--body-text-color-subdued); font-size: 0.92rem; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--block-background-fill); transition: box-shadow .3s, border-color .3s; }
.src-card.cited { border-left: 4px solid var(--color-accent); }
.src-card.unused { opacity: .8; border-style: dashed; }
.src-card.is-target { border-color: #f59e0b; box-shadow: 0 0 0 3px rgba(245, 158, 11, .45);
  animation: src-flash 1.6s ease-out; }
@keyframes src-flash { 0% { background: rgba(245, 158, 11, .28); } 100% { background: var(--block-background-fill); } }
.src-top { display: flex; gap: 8px; align-items: center; font-size: .85rem; margin-bottom: 2px; }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-badge { border-radius: 999px; padding: 0 8px; font-size: .75rem; background: var(--neutral-100);
  color: var(--neutral-600); }
.src-badge.cited { background: var(--color-accent); color: white; }
.src-score { margin-left: auto; color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.src-title { font-weight: 650; font-size: 1rem; line-height: 1.35; margin: 2px 0 4px; }
.src-short { font-weight: 500; font-size: .8rem; padding: 0 6px; border-radius: 6px;
  background: var(--neutral-100); color: var(--neutral-700); vertical-align: middle; }
.src-meta { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px; }
.src-chip { font-size: .75rem; border: 1px solid var(--border-color-primary); border-radius: 999px;
  padding: 0 8px; color: var(--body-text-color-subdued); }
.src-chip.oral { border-color: #16a34a; color: #15803d; }
.src-chip.has-code { border-color: #2563eb; color: #1d4ed8; }
.src-abstract { font-size: .88rem; line-height: 1.45; margin: 4px 0 6px; }
.src-abstract mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.src-code, .src-prov { font-size: .8rem; color: var(--body-text-color-subdued); word-break: break-all; }
.src-prov code { font-size: .75rem; }
.src-older { margin: 8px 0; }
.src-older summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: .9rem; }
.flt-active { font-size: .85rem; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.flt-label { font-weight: 600; }
.flt-none { color: var(--body-text-color-subdued); }
.flt-chip { border-radius: 999px; padding: 1px 8px; background: var(--color-accent-soft);
  border: 1px solid var(--color-accent); }
.flt-chip.from-question { border-style: dashed; }
#chat a[href*="#src-"] { text-decoration: none; font-weight: 600; }
#chat { height: min(540px, calc(100vh - 330px)) !important; min-height: 300px; }
#ask-buttons > .row, #ask-buttons button { flex-grow: 1; }
#backend-status { font-size: .85rem; }
#backend-row { align-items: center; }
#backend-row #test-connection { flex-grow: 0; align-self: center; }
#back-to-answer { position: fixed; right: 14px; bottom: 14px; z-index: 50; display: none; padding: 8px 14px;
  border-radius: 999px; border: 1px solid var(--color-accent); background: var(--background-fill-primary);
  color: var(--body-text-color); font-weight: 600; box-shadow: 0 2px 8px rgba(0, 0, 0, .2); cursor: pointer; }
#back-to-answer.shown { display: block; }
@media (max-width: 640px) {
  #app-title h1 { font-size: 1.15rem; }
  #question textarea::placeholder { font-size: .85rem; }
  #chat { height: 60vh !important; }
  .gradio-container { padding: 4px !important; }
}
"""

HEAD = """
<style>
/* Gradio scopes CSS= to the app's container; its footer is outside. On a phone it hides "Use via API" but not
   the "·" after it. */
@media (max-width: 640px) { footer .show-api ~ .divider { display: none; } }
</style>
<script>
(function () {
  function reveal(id) {
    var card = document.getElementById(id);
    if (!card) { return false; }
    var folded = card.closest('details');
    if (folded) { folded.open = true; }
    document.querySelectorAll('.src-card.is-target').forEach(function (c) { c.classList.remove('is-target'); });
    void card.offsetWidth;
    card.classList.add('is-target');
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    return true;
  }
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[href*="#src-"]') : null;
    if (!link) { return; }
    var hash = (link.getAttribute('href') || '').split('#').pop();
    if (!/^src-[a-z0-9-]+$/.test(hash)) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (reveal(hash)) { offerWayBack(link); }
  }, true);
  // After a jump to a card (on a phone the panel sits far below the answer), a button leads back.
  var origin = null;
  function offerWayBack(link) {
    origin = link;
    var button = document.getElementById('back-to-answer');
    if (!button) {
      button = document.createElement('button');
      button.id = 'back-to-answer';
      button.type = 'button';
      var zh = (navigator.language || '').toLowerCase().startsWith('zh');
      button.textContent = zh ? '↑ 返回回答' : '↑ Back to the answer';
      button.addEventListener('click', function () {
        if (origin && origin.isConnected) {
          origin.scrollIntoView({behavior: 'smooth', block: 'center'});
          origin.focus();
        }
        button.classList.remove('shown');
      });
      document.body.appendChild(button);
    }
    button.classList.add('shown');
  }
  // On a phone the chat list starts folded (it would cover the chat); its toggle opens it. Folded once the
  // app has rendered (its question box is there), so the sidebar's own start-up does not reopen it.
  if (window.innerWidth < 768) {
    var tries = 0;
    var folding = setInterval(function () {
      var sidebar = document.getElementById('sidebar');
      var toggle = sidebar && sidebar.querySelector('button[aria-label="Toggle Sidebar"]');
      if (++tries > 100) { clearInterval(folding); }
      if (!toggle || !document.querySelector('#question textarea')) { return; }
      clearInterval(folding);
      if (sidebar.classList.contains('open')) { toggle.click(); }
    }, 100);
  }
})();
</script>
"""


SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    """Soft colours with the system's fonts: nothing fetched from a font service (the page works offline)."""
    return gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)
