// Shared by Lindungi's own pages: strings come from _locales, set as text, never as HTML.
export const t = (key, subs) => chrome.i18n.getMessage(key, subs) || key;

export function translate(root = document) {
  document.documentElement.lang = t('@@ui_locale').replace('_', '-');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
