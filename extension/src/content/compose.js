// Watches what the child is typing in compose boxes (textarea, contenteditable, text inputs —
// never passwords) and asks for a check shortly after they pause, so a nudge can appear while the
// text is still in the box. Nothing is blocked: the child can always send.
'use strict';

(() => {
  const L = (globalThis.Lindungi ??= {});
  const PAUSE_MS = 350;
  const MIN_LENGTH = 4;
  const TEXT_INPUTS = new Set(['text', 'search', '']);

  /** The compose box an input event came from, if it is one we read. */
  function composeBox(target) {
    if (!(target instanceof Element)) return null;
    if (target.tagName === 'TEXTAREA') return target;
    if (target.tagName === 'INPUT') return TEXT_INPUTS.has(target.getAttribute('type') ?? '') ? target : null;
    const editable = target.closest('[contenteditable=""], [contenteditable="true"], [contenteditable="plaintext-only"]');
    return editable && !editable.closest(`[${L.WARNING_ATTRIBUTE}]`) ? editable : null;
  }

  function valueOf(box) {
    return ('value' in box && box.tagName !== 'DIV' ? box.value : box.innerText).trim().slice(0, 4000);
  }

  /** Calls `check(box, text)` after the child pauses typing in a compose box. */
  L.watchCompose = (check) => {
    const timers = new WeakMap();
    document.addEventListener('input', (event) => {
      const box = composeBox(event.composedPath()[0] ?? event.target);
      if (!box) return;
      clearTimeout(timers.get(box));
      timers.set(box, setTimeout(() => {
        const text = valueOf(box);
        check(box, text.length >= MIN_LENGTH ? text : '');
      }, PAUSE_MS));
    }, true);
  };
})();
