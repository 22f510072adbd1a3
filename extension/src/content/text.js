// Reading text from the page cheaply: which nodes to skip, how to cut page text into blocks,
// and a batcher that does the work on the next animation frame or idle slot, never inside the
// MutationObserver callback and never for long (uBlock Origin's rule: the observer only collects).
'use strict';

(() => {
  const L = (globalThis.Lindungi ??= {});

  /** Elements whose text is never a message. */
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'INPUT', 'TEXTAREA', 'SELECT', 'OPTION', 'CODE', 'PRE']);
  /** Block-level elements that hold one message or one paragraph of page text. */
  const BLOCKS = 'p, li, blockquote, dd, td, h1, h2, h3, h4, h5, h6, article, [role="article"], [role="listitem"], [role="row"]';
  const MAX_TEXT = 4000;
  const SLICE_BUDGET_MS = 6;

  L.WARNING_ATTRIBUTE = 'data-lindungi-warning';

  /** Whether the element (or an ancestor) is script, editable, hidden, or Lindungi's own. */
  L.skippable = (el) => {
    for (let node = el; node && node.nodeType === Node.ELEMENT_NODE; node = node.parentElement) {
      // The attribute, not isContentEditable, which needs up-to-date styles (a layout).
      const editable = node.getAttribute('contenteditable');
      if (SKIP.has(node.tagName) || node.hasAttribute(L.WARNING_ATTRIBUTE) || (editable !== null && editable !== 'false')) return true;
      if (node.getAttribute('aria-hidden') === 'true' || node.hidden) return true;
    }
    // Visibility needs a layout: it is checked only for the rare text that warns (L.visible).
    return false;
  };

  /** Whether the element is rendered visibly (costs a layout when the page's is stale). */
  L.visible = (el) => el.isConnected && (typeof el.checkVisibility !== 'function' || el.checkVisibility());

  /**
   * Collapsed text of an element, cut to a size the detector handles in one message. Text from
   * different elements is joined with a space (`<b>Rina</b><span>hi</span>` reads "Rina hi"),
   * without the layout cost of innerText.
   */
  L.textOf = (el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = '';
    let parent = null;
    for (let node = walker.nextNode(); node && text.length < MAX_TEXT; node = walker.nextNode()) {
      if (SKIP.has(node.parentElement?.tagName)) continue;
      if (parent && node.parentElement !== parent) text += ' ';
      text += node.data;
      parent = node.parentElement;
    }
    return text.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
  };

  /**
   * Text blocks inside `root` (itself, if it is a leaf block): the smallest block elements with
   * text of their own. Used for page text present at load and for text added later by sites no
   * adapter knows.
   */
  L.blocksIn = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return root.parentElement ? [root.parentElement] : [];
    if (root.nodeType !== Node.ELEMENT_NODE || L.skippable(root)) return [];
    const blocks = [...root.querySelectorAll(BLOCKS)].filter((b) => !b.querySelector(BLOCKS));
    if (blocks.length === 0 && root.textContent.trim()) return [root];
    if (root.matches(BLOCKS) && !root.querySelector(BLOCKS)) return [root];
    return [...blocks, ...looseBlocks(root)];
  };

  /**
   * Text outside every block element (layouts built from divs and spans, like most chats): the
   * innermost div around each such text, when that div holds no block of its own.
   */
  function looseBlocks(root) {
    const found = new Set();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || SKIP.has(parent.tagName) || !node.data.trim()) continue;
      const block = parent.closest(BLOCKS);
      if (block && root.contains(block)) continue;
      const container = parent.closest('div') ?? parent;
      if (found.has(container) || container === document.body || container === document.documentElement) continue;
      if (!root.contains(container) || container.querySelector(BLOCKS)) continue;
      found.add(container);
    }
    return found;
  }

  /** Runs `fn` soon, in a task of its own (not in the current task, nor in an animation frame). */
  L.soon = (fn) => {
    if (globalThis.scheduler?.postTask) globalThis.scheduler.postTask(fn);
    else setTimeout(fn, 0);
  };

  /**
   * Runs `work(item)` for queued items in slices of a few milliseconds, each slice a task of
   * its own (an idle callback when the page is hidden), so scanning never blocks the page.
   * `flush(done)` is called after each slice with what it processed.
   */
  L.Batcher = class {
    constructor(work, flush) {
      this.queue = [];
      this.work = work;
      this.flush = flush;
      this.scheduled = false;
    }

    add(items) {
      this.queue.push(...items);
      this.schedule();
    }

    schedule() {
      if (this.scheduled || this.queue.length === 0) return;
      this.scheduled = true;
      const run = () => this.slice();
      if (document.hidden && 'requestIdleCallback' in globalThis) requestIdleCallback(run, { timeout: 500 });
      // A task of its own, not an animation frame callback: in a frame, the slice would share
      // its task with the page's layout and paint, and make that task longer.
      else L.soon(run);
    }

    slice() {
      this.scheduled = false;
      const start = performance.now();
      const done = [];
      while (this.queue.length > 0 && performance.now() - start < SLICE_BUDGET_MS) {
        const result = this.work(this.queue.shift());
        if (result) done.push(result);
      }
      if (done.length > 0) this.flush(done);
      this.schedule();
    }
  };
})();
