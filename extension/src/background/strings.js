// The child's language: the browser's (chrome.i18n) unless a guardian or school chose one, in
// which case that locale's messages.json is read and used the same way.

export const LANGUAGES = ['en', 'id'];

/** A message with its $NAME$ placeholders filled from `subs`, as chrome.i18n does. */
export function format(entry, subs = []) {
  const list = Array.isArray(subs) ? subs : [subs];
  return entry.message.replace(/\$([A-Za-z0-9_]+)\$/g, (whole, name) => {
    const content = entry.placeholders?.[name.toLowerCase()]?.content;
    const index = /^\$(\d)$/.exec(content ?? '')?.[1];
    return index ? String(list[Number(index) - 1] ?? '') : whole;
  }).replace(/\$\$/g, '$');
}

/** The messages of `language`, or null for the browser's own. */
export async function loadMessages(language) {
  if (!LANGUAGES.includes(language)) return null;
  const response = await fetch(chrome.runtime.getURL(`_locales/${language}/messages.json`));
  return response.ok ? response.json() : null;
}

/** A `t(key, subs)` over `messages` (falling back to chrome.i18n), and the language code. */
export function translator(messages, language) {
  const t = (key, subs) => {
    if (key === '@@ui_locale' && messages) return language;
    const entry = messages?.[key];
    return entry ? format(entry, subs) : chrome.i18n.getMessage(key, subs) || key;
  };
  return t;
}
