// The toolbar popup: Lindungi is on, nothing leaves the device, and when a guardian was told.
// Nothing about Lindungi is hidden from the child.
import { readAlerts } from '../background/alerts.js';
import { translate, t } from '../learn/i18n.js';

translate();
const events = (await readAlerts(chrome.storage.local)).filter((e) => e.event === 'alert' || e.event === 'warning').slice(-5).reverse();
document.getElementById('none').hidden = events.length > 0;
document.getElementById('events').replaceChildren(...events.map((e) => Object.assign(document.createElement('li'), {
  textContent: t(e.event === 'alert' ? 'popupToldGuardian' : 'popupWarned', [t(`categoryName_${e.category}`), e.site, new Date(e.time).toLocaleString()]),
})));
document.getElementById('settings').addEventListener('click', () => chrome.runtime.openOptionsPage());
