// Short learning pages for children and parents, in the browser's language: each topic is a
// title and a few paragraphs from _locales (learn_<topic>_title, learn_<topic>_1, _2, ...).
import { translate, t } from './i18n.js';

export const TOPICS = ['grooming', 'bullying', 'privacy', 'feelings', 'parents'];
const MAX_PARAGRAPHS = 8;

function show(topic) {
  const article = document.getElementById('article');
  const heading = Object.assign(document.createElement('h1'), { textContent: t(`learn_${topic}_title`) });
  const paragraphs = [];
  for (let n = 1; n <= MAX_PARAGRAPHS; n++) {
    const text = chrome.i18n.getMessage(`learn_${topic}_${n}`);
    if (text) paragraphs.push(Object.assign(document.createElement('p'), { textContent: text }));
  }
  article.replaceChildren(heading, ...paragraphs);
  document.title = `${t(`learn_${topic}_title`)} · Lindungi`;
  for (const link of document.querySelectorAll('#topics a')) {
    if (link.dataset.topic === topic) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

translate();
const requested = new URLSearchParams(location.search).get('topic');
const topic = TOPICS.includes(requested) ? requested : 'grooming';
document.getElementById('topics').setAttribute('aria-label', t('learnTopics'));
document.getElementById('topics').replaceChildren(...TOPICS.map((name) => {
  const link = Object.assign(document.createElement('a'), { href: `?topic=${name}`, textContent: t(`learn_${name}_title`) });
  link.dataset.topic = name;
  return link;
}));
show(topic);
