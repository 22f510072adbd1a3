// What the service worker knows about supported sites: where their own report page is and how
// to block someone there. Content scripts only say which adapter matched; URLs come from here,
// never from the page.
export const SITES = Object.freeze({
  whatsapp: { reportUrl: 'https://faq.whatsapp.com/1142481766359885', blockHelp: 'blockHelp_whatsapp' },
  discord: { reportUrl: 'https://dis.gd/request', blockHelp: 'blockHelp_discord' },
  instagram: { reportUrl: 'https://help.instagram.com/192435014247952', blockHelp: 'blockHelp_instagram' },
  messenger: { reportUrl: 'https://www.facebook.com/help/messenger-app/1165699260192280', blockHelp: 'blockHelp_messenger' },
  telegram: { reportUrl: 'https://telegram.org/faq_spam', blockHelp: 'blockHelp_telegram' },
  roblox: { reportUrl: 'https://en.help.roblox.com/hc/en-us/articles/203312410', blockHelp: 'blockHelp_roblox' },
  x: { reportUrl: 'https://help.x.com/en/safety-and-security/report-abusive-behavior', blockHelp: 'blockHelp_x' },
  generic: { reportUrl: null, blockHelp: 'blockHelp_generic' },
});

export function siteInfo(adapter) {
  return Object.hasOwn(SITES, adapter) ? SITES[adapter] : SITES.generic;
}
