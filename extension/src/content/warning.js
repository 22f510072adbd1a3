// The warning the child sees: a small card in a closed shadow root, so the page can neither read
// nor restyle it. It never covers the page, explains in plain words what looks wrong (from the
// verdict's cues), and offers choices. Keyboard and screen-reader accessible: a labelled region
// whose message is announced (role="alert"), real buttons, Escape to close, Alt+Shift+L to jump
// to the newest warning, focus returned where it was. All text comes from _locales via
// chrome.i18n and is set with textContent, never as HTML.
'use strict';

(() => {
  const L = (globalThis.Lindungi ??= {});
  // The child's language: a guardian's choice (L.strings, from the service worker) or the
  // browser's. Warning texts have no placeholders.
  const t = (key, subs) => {
    if (key === '@@ui_locale' && L.language) return L.language;
    return L.strings?.[key]?.message ?? (chrome.i18n.getMessage(key, subs) || key);
  };
  const MAX_SHOWN = 3;
  const MAX_REASONS = 3;

  const STYLE = `
    :host { all: initial; }
    .card { box-sizing: border-box; width: min(380px, calc(100vw - 24px)); max-height: calc(100vh - 24px);
      overflow: auto; background: #ffffff; color: #1b1b1f; border: 2px solid #0b57d0; border-radius: 12px;
      box-shadow: 0 6px 24px rgba(0, 0, 0, 0.25); padding: 14px 16px; font: 15px/1.45 system-ui, sans-serif; }
    .card[data-category="self_harm"] { border-color: #7e57c2; }
    .head { display: flex; align-items: flex-start; gap: 8px; }
    h2 { font-size: 17px; margin: 0 0 6px; flex: 1; }
    h2:focus { outline: none; }
    ul { margin: 6px 0 10px; padding-left: 20px; }
    p { margin: 6px 0; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
    button { font: inherit; font-size: 14px; border-radius: 8px; padding: 7px 12px; cursor: pointer;
      border: 1px solid #0b57d0; background: #ffffff; color: #0b57d0; }
    button.primary { background: #0b57d0; color: #ffffff; }
    button.link { border: none; padding: 0; background: none; text-decoration: underline; }
    button.close { border: none; padding: 2px 8px; font-size: 20px; line-height: 1; color: #44474f; }
    button:focus-visible { outline: 3px solid #e8a317; outline-offset: 2px; }
    .note { font-size: 13px; color: #44474f; }
    .brand { font-size: 12px; color: #44474f; margin: 0 0 4px; }
    @media (prefers-reduced-motion: no-preference) {
      .card { animation: lindungi-in 160ms ease-out; }
      @keyframes lindungi-in { from { opacity: 0; transform: translateY(6px); } to { opacity: 1; transform: none; } }
    }
    @media (prefers-color-scheme: dark) {
      .card { background: #1f1f23; color: #e6e6ea; border-color: #8ab4f8; }
      button { background: #1f1f23; color: #8ab4f8; border-color: #8ab4f8; }
      button.primary { background: #8ab4f8; color: #10131a; }
      .note, .brand, button.close { color: #c4c6d0; }
    }`;

  // Inline and !important: a page's own stylesheet cannot hide or move the warning.
  const HOST_STYLE = 'all: initial !important; position: fixed !important; z-index: 2147483647 !important; '
    + 'display: block !important; visibility: visible !important; opacity: 1 !important; margin: 0 !important; '
    + 'padding: 0 !important; border: 0 !important; background: transparent !important; inset: auto !important; '
    + 'width: auto !important; height: auto !important; overflow: visible !important;';

  const shown = [];

  /** Explanations for the cues, in order, without repeats. */
  function reasons(warning) {
    const keys = warning.cues.map((cue) => `cue_${cue.replace('.', '_')}`);
    return [...new Set(keys)].map((key) => L.strings?.[key]?.message ?? chrome.i18n.getMessage(key)).filter(Boolean).slice(0, MAX_REASONS);
  }

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  /** Calls `then` in a task after the browser has next laid `element` out. */
  function afterLayout(element, then) {
    // Intersection observations are computed with the rendering and delivered in a task after it.
    const observer = new IntersectionObserver(() => {
      observer.disconnect();
      then();
    });
    observer.observe(element);
  }

  function place(entry) {
    const { host, anchor } = entry;
    if (anchor?.isConnected) {
      // A nudge sits just above the compose box it is about, or below it when there is no room
      // above: never over the text the child is writing.
      const box = anchor.getBoundingClientRect();
      const height = host.getBoundingClientRect().height || 160;
      const above = box.top - height - 8;
      const top = above >= 12 || box.bottom + 8 + height > innerHeight ? Math.max(12, above) : box.bottom + 8;
      host.style.setProperty('left', `${Math.max(12, Math.min(box.left, innerWidth - 392))}px`, 'important');
      host.style.setProperty('top', `${top}px`, 'important');
    } else {
      const index = shown.filter((e) => !e.anchor).indexOf(entry);
      host.style.setProperty('right', '12px', 'important');
      host.style.setProperty('bottom', `${12 + index * 16}px`, 'important');
    }
    // What Lindungi set, so the guard below can tell the page's changes from its own.
    entry.style = host.getAttribute('style');
  }

  // The page owns the host element's attributes too: a page that rewrites its style (display:
  // none inline) or takes away the attribute gets them put back as Lindungi set them.
  const guard = new MutationObserver((records) => {
    for (const { target } of records) {
      const entry = shown.find((e) => e.host === target);
      if (!entry || entry.closed) continue;
      if (target.getAttribute(L.WARNING_ATTRIBUTE) !== entry.warning.category) target.setAttribute(L.WARNING_ATTRIBUTE, entry.warning.category);
      if (target.getAttribute('style') !== entry.style) {
        target.setAttribute('style', HOST_STYLE);
        place(entry);
      }
    }
  });

  function close(entry, restoreFocus = true) {
    const index = shown.indexOf(entry);
    if (index >= 0) shown.splice(index, 1);
    entry.closed = true;
    const hadFocus = entry.root.activeElement !== null;
    entry.host.remove();
    if (restoreFocus && hadFocus && entry.previousFocus?.isConnected) entry.previousFocus.focus();
    shown.forEach(place);
  }

  /**
   * Shows a warning. `warning`: {category, level, source, cues, blockHelp, canReport};
   * `options.anchor`: the compose box for a nudge; `options.onChoice(choice)`: the child's choice.
   * Returns a handle with close().
   */
  L.showWarning = (warning, { anchor = null, onChoice = () => {} } = {}) => {
    if (shown.length >= MAX_SHOWN) close(shown.find((e) => !e.anchor) ?? shown[0], false);
    const host = document.createElement('div');
    host.setAttribute(L.WARNING_ATTRIBUTE, warning.category);
    host.setAttribute('style', HOST_STYLE);
    const root = host.attachShadow({ mode: 'closed' });
    const entry = { host, root, anchor, warning, closed: false, previousFocus: document.activeElement };
    const draft = warning.source === 'draft';
    const titleId = 'lindungi-title';
    const bodyId = 'lindungi-body';
    const title = t(draft ? `nudgeTitle_${warning.category}` : `warningTitle_${warning.category}`);
    const lines = reasons(warning);
    const body = el('div', { id: bodyId, role: 'alert' }, [
      el('p', { text: t(draft ? `nudgeText_${warning.category}` : `warningText_${warning.category}`) }),
      ...(lines.length ? [el('ul', {}, lines.map((line) => el('li', { text: line })))] : []),
      ...(warning.source === 'conversation' ? [el('p', { class: 'note', text: t('warningConversationNote') })] : []),
      ...(warning.category === 'self_harm' ? [el('p', { text: t('selfHarmHelp') })] : []),
    ]);
    const status = el('p', { class: 'note', role: 'status' });
    const choose = (choice) => {
      onChoice(choice);
      if (choice === 'tell') status.textContent = t('confirmToldGuardian');
      if (choice === 'report') status.textContent = t(warning.canReport ? 'confirmReportOpened' : 'reportHelp');
      if (choice === 'leave') status.textContent = t(warning.blockHelp ?? 'blockHelp_generic');
      if (choice === 'ok' || choice === 'dismiss') close(entry);
    };
    const buttons = draft
      ? [el('button', { class: 'primary', type: 'button', text: t('choiceEdit'), onclick: () => { close(entry, false); anchor?.focus(); } }),
        el('button', { type: 'button', text: t('choiceOk'), onclick: () => choose('ok') })]
      : [el('button', { class: 'primary', type: 'button', text: t('choiceTellGuardian'), onclick: () => choose('tell') }),
        el('button', { type: 'button', text: t('choiceReport'), onclick: () => choose('report') }),
        el('button', { type: 'button', text: t('choiceLeave'), onclick: () => choose('leave') }),
        el('button', { type: 'button', text: t('choiceOk'), onclick: () => choose('ok') })];
    const card = el('section', {
      class: 'card', 'data-category': warning.category, role: 'region',
      'aria-labelledby': titleId, 'aria-describedby': bodyId, lang: t('@@ui_locale').replace('_', '-'),
    }, [
      el('p', { class: 'brand', text: t('brandLine') }),
      el('div', { class: 'head' }, [
        el('h2', { id: titleId, text: title, tabindex: '-1' }),
        el('button', { class: 'close', type: 'button', 'aria-label': t('choiceClose'), text: '×', onclick: () => choose('dismiss') }),
      ]),
      body,
      el('div', { class: 'actions' }, buttons),
      el('p', {}, [el('button', { class: 'link', type: 'button', text: t('learnWhy'), onclick: () => onChoice('learn') })]),
      status,
    ]);
    card.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        choose('dismiss');
      }
    });
    const style = el('style', { text: STYLE });
    root.append(style, card);
    const active = document.activeElement;
    const typing = active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
    // Attached in a task of its own: inserting it makes the browser lay the page out, which
    // must not lengthen the task that read the page.
    L.soon(() => {
      if (entry.closed) return;
      (document.body ?? document.documentElement).append(host);
      guard.observe(host, { attributes: true, attributeFilter: ['style', L.WARNING_ATTRIBUTE] });
      shown.forEach(place);
      // Both wait for the browser to lay the warning out in its own rendering step: showing a
      // popover or focusing at once makes the browser style and lay out the whole page inside
      // this task (10–15 ms on a 1 MB page).
      afterLayout(host, () => {
        if (entry.closed) return;
        if ('showPopover' in host) {
          // The top layer: above everything the page draws, whatever its z-index.
          host.setAttribute('popover', 'manual');
          try { host.showPopover(); } catch { /* not connected in odd documents: fixed positioning still holds */ }
        }
        // Take focus only when the child is not typing (otherwise role="alert" announces it),
        // and not when the child (or Alt+Shift+L) moved focus meanwhile.
        if (!typing && !draft && document.activeElement === active) root.getElementById(titleId)?.focus({ preventScroll: true });
      });
    });
    shown.push(entry);
    return { close: () => close(entry, false), get closed() { return entry.closed; }, host };
  };

  /** A page that removes a shown warning gets it back: warnings cannot be suppressed. */
  L.restoreRemovedWarnings = () => {
    for (const entry of shown) {
      if (!entry.closed && !entry.host.isConnected) {
        (document.body ?? document.documentElement).append(entry.host);
        if ('showPopover' in entry.host) {
          try { entry.host.showPopover(); } catch { /* already shown or not supported here */ }
        }
      }
    }
  };

  L.repositionWarnings = () => shown.forEach(place);

  // Alt+Shift+L moves focus to the newest warning, for keyboard users.
  document.addEventListener('keydown', (event) => {
    if (event.altKey && event.shiftKey && event.code === 'KeyL' && shown.length > 0) {
      const entry = shown[shown.length - 1];
      entry.root.getElementById('lindungi-title')?.focus();
      event.preventDefault();
    }
  }, true);
})();
