// Shared by Lindungi's own pages: strings come from _locales in the child's language (the
// browser's, or the one a guardian or school chose), set as text, never as HTML.
import { loadSettings } from '../background/settings.js';
import { loadMessages, translator } from '../background/strings.js';

const { settings } = await loadSettings(chrome.storage);
export const t = translator(await loadMessages(settings.language), settings.language);

export function translate(root = document) {
  document.documentElement.lang = t('@@ui_locale').replace('_', '-');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
