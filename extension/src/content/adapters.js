// Site adapters: for each supported web chat, where messages are, who wrote them, whether the
// child wrote them, and which conversation they belong to. Sites change their markup; each
// adapter reads only stable hooks (ids, roles, data attributes) and the generic adapter catches
// what the others miss. Selectors here are mirrored by the fixture pages in tests/e2e/fixtures/.
'use strict';

(() => {
  const L = (globalThis.Lindungi ??= {});

  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
  const attr = (el, name) => (el ? el.getAttribute(name) ?? '' : '');

  /** @type {Array<{id: string, matches: (loc: Location) => boolean, messages: string,
   *   read: (el: Element) => ({text: string, author?: string, own: boolean, key?: string} | null),
   *   conversation: (doc: Document, loc: Location) => string}>} */
  const ADAPTERS = [
    {
      id: 'whatsapp',
      matches: (loc) => loc.hostname === 'web.whatsapp.com',
      messages: '#main .message-in, #main .message-out',
      read(el) {
        const body = el.querySelector('.copyable-text');
        // data-pre-plain-text="[10:02, 1/5/2026] Rina: "
        const author = /\]\s*([^:]+):\s*$/.exec(attr(body, 'data-pre-plain-text'))?.[1];
        return {
          text: text(el.querySelector('.selectable-text') ?? body),
          author,
          own: el.classList.contains('message-out'),
          key: attr(el.closest('[data-id]'), 'data-id'),
        };
      },
      conversation: (doc) => attr(doc.querySelector('#main header span[title]'), 'title'),
    },
    {
      id: 'discord',
      matches: (loc) => loc.hostname === 'discord.com' && loc.pathname.startsWith('/channels/'),
      messages: 'li[id^="chat-messages-"]',
      read(el) {
        // Follow-up messages omit the header: the author is the last one shown above.
        let author = text(el.querySelector('[id^="message-username-"]'));
        for (let prev = el.previousElementSibling; !author && prev; prev = prev.previousElementSibling) {
          author = text(prev.querySelector('[id^="message-username-"]'));
        }
        const self = text(document.querySelector('[data-lindungi-self], section[aria-label="User area"] [class*="title"]'));
        return {
          text: text(el.querySelector('[id^="message-content-"]')),
          author,
          own: Boolean(self) && author === self,
          key: el.id,
        };
      },
      conversation: (_doc, loc) => loc.pathname.split('/').slice(2, 4).join('/'),
    },
    {
      id: 'instagram',
      matches: (loc) => loc.hostname === 'www.instagram.com' && loc.pathname.startsWith('/direct/'),
      messages: '[role="row"] [data-message-id], [role="row"] div[dir="auto"]',
      read(el) {
        const row = el.closest('[role="row"]');
        return {
          text: text(el),
          author: attr(row?.querySelector('img[alt]'), 'alt').replace(/'s profile picture$/, ''),
          // The child's own bubbles sit on the right.
          own: row?.querySelector('[data-own="true"], [style*="flex-end"]') !== null && row?.querySelector('img[alt]') === null,
          key: attr(el, 'data-message-id'),
        };
      },
      conversation: (_doc, loc) => loc.pathname.split('/')[3] ?? '',
    },
    {
      id: 'messenger',
      matches: (loc) =>
        loc.hostname === 'www.messenger.com' || (loc.hostname === 'www.facebook.com' && loc.pathname.startsWith('/messages/')),
      messages: '[role="row"] [dir="auto"]',
      read(el) {
        const row = el.closest('[role="row"]');
        const label = attr(row?.querySelector('[aria-label]'), 'aria-label');
        return {
          text: text(el),
          author: /^(.+?) sent|^Message from (.+)$/.exec(label)?.slice(1).find(Boolean),
          own: /^You sent/.test(label),
        };
      },
      conversation: (_doc, loc) => loc.pathname.split('/t/')[1]?.split('/')[0] ?? '',
    },
    {
      id: 'telegram',
      matches: (loc) => loc.hostname === 'web.telegram.org',
      messages: '.bubble[data-mid]',
      read(el) {
        return {
          text: text(el.querySelector('.message .translatable-message, .message')),
          author: text(el.closest('.bubbles-group')?.querySelector('.peer-title')) || undefined,
          own: el.classList.contains('is-out'),
          key: attr(el, 'data-mid'),
        };
      },
      conversation: (doc, loc) => loc.hash.slice(1) || text(doc.querySelector('.chat-info .peer-title')),
    },
    {
      id: 'roblox',
      matches: (loc) => loc.hostname === 'www.roblox.com',
      messages: '.chat-message',
      read(el) {
        return {
          text: text(el.querySelector('.chat-message-text, .message-content')),
          author: attr(el, 'data-sender-name') || text(el.querySelector('.chat-message-sender')),
          own: el.classList.contains('chat-message-self') || attr(el, 'data-own') === 'true',
          key: attr(el, 'data-message-id'),
        };
      },
      conversation: (doc) => attr(doc.querySelector('.chat-window[data-conversation-id]'), 'data-conversation-id') || text(doc.querySelector('.chat-window .chat-title')),
    },
    {
      id: 'x',
      matches: (loc) => (loc.hostname === 'x.com' || loc.hostname === 'twitter.com') && loc.pathname.startsWith('/messages/'),
      messages: '[data-testid="messageEntry"]',
      read(el) {
        return {
          text: text(el.querySelector('[data-testid="tweetText"]')),
          // The child's messages are laid out from the right edge.
          own: attr(el, 'data-own') === 'true' || el.querySelector('[data-testid="messageEntry-sent"]') !== null,
          author: attr(el.querySelector('[data-testid="DM_Conversation_Avatar"]'), 'aria-label') || undefined,
          key: attr(el, 'data-message-id'),
        };
      },
      conversation: (_doc, loc) => loc.pathname.split('/')[2] ?? '',
    },
  ];

  /** The adapter for this page, or null for the generic reading of any page. */
  L.pickAdapter = (loc) => ADAPTERS.find((a) => a.matches(loc)) ?? null;
  L.adapterIds = ADAPTERS.map((a) => a.id);
})();
