// The reporting flow: the platform's own report page, hotlines for the guardian's country, and
// the evidence kept on this device (export as JSON, or print).
import { translate, t } from '../learn/i18n.js';
import { findBundle, verifyBundle } from '../background/evidence.js';
import { siteInfo } from '../background/sites.js';
import { loadSettings } from '../background/settings.js';

/** Hotlines by country; "other" is the INHOPE network. Texts are in _locales (hotline_<id>_*). */
export const HOTLINES = {
  ID: ['sapa129', 'aduankonten'],
  US: ['cybertipline'],
  GB: ['ceop', 'iwf'],
  AU: ['esafety'],
  other: ['inhope'],
};
const LINKS = {
  sapa129: 'https://wa.me/628111129129',
  aduankonten: 'https://aduankonten.id',
  cybertipline: 'https://report.cybertip.org',
  ceop: 'https://www.ceop.police.uk/Safety-Centre/',
  iwf: 'https://report.iwf.org.uk',
  esafety: 'https://www.esafety.gov.au/report',
  inhope: 'https://www.inhope.org/EN#hotlineReferral',
};

function hotline(id) {
  const box = Object.assign(document.createElement('div'), { className: 'hotline' });
  box.append(
    Object.assign(document.createElement('h3'), { textContent: t(`hotline_${id}_name`) }),
    Object.assign(document.createElement('p'), { textContent: t(`hotline_${id}_what`) }),
    Object.assign(document.createElement('p'), { textContent: t(`hotline_${id}_how`) }),
    Object.assign(document.createElement('a'), { href: LINKS[id], target: '_blank', rel: 'noopener', textContent: LINKS[id] }),
  );
  return box;
}

translate();
const params = new URLSearchParams(location.search);
const { settings } = await loadSettings(chrome.storage);
const countries = [settings.country, ...Object.keys(HOTLINES).filter((c) => c !== settings.country)];
document.getElementById('hotlines').replaceChildren(...countries.flatMap((c) => HOTLINES[c]).map(hotline));

const { reportUrl } = siteInfo(params.get('site') ?? 'generic');
if (reportUrl) {
  document.getElementById('platform').hidden = false;
  document.getElementById('platform-link').href = reportUrl;
}

const bundle = params.get('evidence') ? await findBundle(chrome.storage.local, params.get('evidence')) : null;
if (bundle) {
  document.getElementById('evidence').hidden = false;
  const facts = [
    ['reportFactSite', bundle.url || bundle.site],
    ['reportFactWhen', new Date(bundle.created).toLocaleString()],
    ['reportFactKind', `${t(`categoryName_${bundle.category}`)} (${t(`levelName_${bundle.level}`)})`],
    ['reportFactOther', bundle.otherParty.join(', ') || '—'],
  ];
  document.getElementById('facts').replaceChildren(...facts.flatMap(([key, value]) => [
    Object.assign(document.createElement('dt'), { textContent: t(key) }),
    Object.assign(document.createElement('dd'), { textContent: value }),
  ]));
  document.getElementById('messages').replaceChildren(...bundle.messages.map((m) => Object.assign(document.createElement('li'), {
    textContent: `[${new Date(m.time).toLocaleString()}] ${m.direction === 'outgoing' ? t('reportMe') : (m.author || '?')}: ${m.text}`,
  })));
  const intact = await verifyBundle(bundle);
  document.getElementById('hash').textContent = t(intact ? 'reportHashOk' : 'reportHashBroken', [bundle.sha256]);
  document.getElementById('export').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }));
    Object.assign(document.createElement('a'), { href: url, download: `lindungi-evidence-${bundle.created.slice(0, 10)}.json` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  document.getElementById('print').addEventListener('click', () => print());
}
