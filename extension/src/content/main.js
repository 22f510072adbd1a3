// Lindungi's content script, in one picture:
//
//   page DOM ──MutationObserver (collects added nodes only)──┐
//   page text at load (low priority) ────────────────────────┤
//                                                            ▼
//        Batcher: a few ms per task ── site adapter reads messages
//        (text, author, the child's own?, conversation) ── never the same message twice
//                                                            ▼
//        service worker {type: "scan"} ── detector (wasm) ── warnings
//                                                            ▼
//        warning card (closed shadow root) ── child's choice ── {type: "choice"}
//   compose boxes ── pause in typing ── {type: "scan", draft} ── nudge above the box
'use strict';

(() => {
  const L = globalThis.Lindungi;
  if (!L || L.started) return;
  L.started = true;
  // The browser evaluates the content scripts in one task, in a world it has just created;
  // starting (reading the page, observing it, asking the worker for strings) in a task of its
  // own keeps each of the two short.
  L.soon(start);

  function start() {
    const MAX_ITEMS_PER_MESSAGE = 100;
    const MAX_REMEMBERED = 5000;
    const adapter = L.pickAdapter(location);
    const site = { adapter: adapter?.id ?? 'generic', host: location.hostname };
    const scanned = new WeakSet();
    const seenKeys = new Set();
    /** The element each pending item came from, to check it is visible before warning. */
    const elements = new Map();
    /** Recent messages per conversation, kept in this page only: evidence if the child reports. */
    const recent = new Map();
    const RECENT_PER_CONVERSATION = 20;
    function keep(item) {
      const key = item.conversation ?? '';
      const list = recent.get(key) ?? [];
      list.push({ author: item.author, direction: item.direction, text: item.text, time: Date.now() });
      recent.set(key, list.slice(-RECENT_PER_CONVERSATION));
    }
    let nextId = 0;

    function remember(key) {
      seenKeys.add(key);
      if (seenKeys.size > MAX_REMEMBERED) seenKeys.delete(seenKeys.values().next().value);
    }

    let contextLost = false;
    async function send(message) {
      try {
        return await chrome.runtime.sendMessage(message);
      } catch (error) {
        // The extension was updated or reloaded: this page's script is orphaned until reload.
        if (!contextLost) console.warn('Lindungi: cannot reach the service worker:', error?.message ?? error);
        contextLost = true;
        return null;
      }
    }

    function conversationId() {
      const id = adapter ? adapter.conversation(document, location) : `${location.pathname}${location.search}`;
      return id ? String(id).slice(0, 200) : undefined;
    }

    /** Turns one message element (adapter) or text block (generic) into a scan item. */
    function itemFor(element, atLoad) {
      if (scanned.has(element) || !element.isConnected || L.skippable(element)) return null;
      scanned.add(element);
      let item;
      if (adapter) {
        const message = adapter.read(element);
        if (!message?.text) return null;
        const key = message.key || `${message.author ?? ''}|${message.text}`;
        if (seenKeys.has(key)) return null;
        remember(key);
        item = {
          text: message.text.slice(0, 4000),
          direction: message.own ? 'outgoing' : 'incoming',
          conversation: conversationId(),
          author: message.author ? String(message.author).slice(0, 200) : undefined,
        };
      } else {
        const text = L.textOf(element);
        if (text.length < 2 || seenKeys.has(text)) return null;
        remember(text);
        // Text that appears after load on a page no adapter knows is read as a chat; text that
        // was there at load is page text, scanned at low priority and without a conversation.
        item = { text, direction: 'unknown', conversation: atLoad ? undefined : conversationId() };
      }
      item.id = String(nextId++);
      elements.set(item.id, element);
      keep(item);
      return item;
    }

    function messagesIn(node) {
      if (adapter) {
        if (node.nodeType !== Node.ELEMENT_NODE) return node.parentElement?.closest(adapter.messages) ? [node.parentElement.closest(adapter.messages)] : [];
        const inside = [...node.querySelectorAll(adapter.messages)];
        return node.matches(adapter.messages) ? [node, ...inside] : inside;
      }
      return L.blocksIn(node);
    }

    async function scan(items) {
      for (let i = 0; i < items.length; i += MAX_ITEMS_PER_MESSAGE) {
        const batch = items.slice(i, i + MAX_ITEMS_PER_MESSAGE);
        const response = await send({ type: 'scan', site, items: batch });
        if (response?.skip) {
          // A guardian or school chose not to scan this site.
          stop();
          return;
        }
        for (const item of batch) {
          const result = response?.results?.find((r) => r.id === item.id);
          const element = elements.get(item.id);
          elements.delete(item.id);
          // Text the child cannot see (hidden by the page) does not warn.
          if (result?.warning && element && L.visible(element)) warn(result.warning, item.conversation);
        }
        if (response?.type === 'error') console.warn('Lindungi: scan refused:', response.error);
      }
    }

    function choose(warning, choice, conversation) {
      const message = { type: 'choice', site, choice, category: warning.category, level: warning.level, cues: warning.cues };
      if (choice === 'report' || choice === 'tell') {
        message.evidence = { url: location.href.slice(0, 2000), messages: recent.get(conversation ?? '') ?? [] };
      }
      return send(message);
    }

    function warn(warning, conversation) {
      L.showWarning(warning, { onChoice: (choice) => choose(warning, choice, conversation) });
    }

    const live = new L.Batcher(
      (node) => messagesIn(node).map((element) => itemFor(element, false)).filter(Boolean),
      (batches) => scan(batches.flat()),
    );
    // Page text at load: each queued node (a child of <body>) is cut into blocks in its own slice,
    // so a 1 MB page is read a piece at a time.
    const SPLIT_CHILDREN = 24;
    const atLoad = new L.Batcher(
      (node) => {
        if (adapter) return [itemFor(node, true)].filter(Boolean);
        // A big container is opened up into its children, read in later slices.
        if (node.nodeType === Node.ELEMENT_NODE && node.childElementCount > SPLIT_CHILDREN) {
          atLoad.queue.unshift(...node.children);
          return [];
        }
        return L.blocksIn(node).map((block) => itemFor(block, true)).filter(Boolean);
      },
      (batches) => scan(batches.flat()),
    );

    // A language a guardian chose for warnings (otherwise the browser's).
    send({ type: 'strings', site }).then((response) => {
      if (response?.messages) {
        L.strings = response.messages;
        L.language = response.language;
      }
    });

    const observer = new MutationObserver((records) => {
      const added = [];
      let removedOurs = false;
      for (const record of records) {
        for (const node of record.addedNodes) added.push(node);
        for (const node of record.removedNodes) {
          // Any element: a page may strip the attribute before removing the host.
          if (node.nodeType === Node.ELEMENT_NODE) removedOurs = true;
        }
      }
      if (removedOurs) L.restoreRemovedWarnings();
      if (added.length > 0) live.add(added);
    });
    observer.observe(document.documentElement, { childList: true, subtree: true });
    function stop() {
      observer.disconnect();
      live.queue.length = 0;
      atLoad.queue.length = 0;
      elements.clear();
      L.stopped = true;
    }

    // What is on the page already: chat history first (adapters), then page text when idle.
    // A chat's history goes first, in the same queue as new messages, so the conversation is read
    // in order; other page text waits for an idle moment.
    if (adapter) {
      live.add([...document.querySelectorAll(adapter.messages)]);
    } else {
      const initial = () => document.body && atLoad.add([...document.body.children]);
      if ('requestIdleCallback' in globalThis) requestIdleCallback(initial, { timeout: 2000 });
      else setTimeout(initial, 200);
    }

    // The child's own drafts: a nudge above the compose box while the text is still there.
    const nudges = new WeakMap();
    L.watchCompose(async (box, text) => {
      nudges.get(box)?.close();
      nudges.delete(box);
      if (!text || L.stopped) return;
      const response = await send({
        type: 'scan', site,
        items: [{ id: 'draft', text, direction: 'outgoing', draft: true, conversation: conversationId() }],
      });
      const warning = response?.results?.[0]?.warning;
      if (!warning || !box.isConnected) return;
      nudges.get(box)?.close();
      nudges.set(box, L.showWarning(warning, { anchor: box, onChoice: (choice) => choose(warning, choice) }));
    });
    // A box emptied by sending the message takes its nudge with it.
    document.addEventListener('keyup', () => {
      setTimeout(() => {
        for (const box of document.querySelectorAll('textarea, [contenteditable]')) {
          const nudge = nudges.get(box);
          if (nudge && !(box.value ?? box.innerText ?? '').trim()) {
            nudge.close();
            nudges.delete(box);
          }
        }
      }, 300);
    }, true);
    addEventListener('scroll', () => L.repositionWarnings(), { passive: true, capture: true });
    addEventListener('resize', () => L.repositionWarnings(), { passive: true });
  }
})();
