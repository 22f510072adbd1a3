// Screenshots of what a child sees, for the README and reviewers: the warning on a chat and the
// nudge over a compose box, in English and in Indonesian (Chromium started with --lang=id).
// Writes docs/screenshots/{warning,nudge}-{en,id}.png. Run: node tests/e2e/screenshots.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSession, say, waitForWarning, ROOT } from './harness.mjs';

const OUT = join(ROOT, 'docs', 'screenshots');
const messages = (lang) => JSON.parse(readFileSync(join(ROOT, 'extension', '_locales', lang, 'messages.json'), 'utf8'));

const SCENES = {
  en: {
    chat: [['Rina', 'are you coming to practice tomorrow?'], ['cool_gamer_22', "you're really mature for your age"], ['cool_gamer_22', "this is our secret, don't tell your mom"]],
    warning: 'grooming',
    draft: 'my number is 0812 3456 7890, text me',
    nudge: 'personal_info',
  },
  id: {
    chat: [['Rina', 'besok kamu ikut latihan nggak?'], ['cool_gamer_22', 'kamu dewasa banget ya buat umur kamu'], ['cool_gamer_22', 'ini rahasia kita ya, jangan bilang mama kamu']],
    warning: 'grooming',
    draft: 'nomor hp aku 081234567890, sms aku ya',
    nudge: 'personal_info',
  },
};

/** The accessible names in the page (closed shadow roots included), to check the language. */
async function names(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  return nodes.map((n) => n.name?.value ?? '').filter(Boolean);
}

async function expectText(page, text, what) {
  for (let i = 0; i < 40; i++) {
    if ((await names(page)).includes(text)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${what}: "${text}" is not on the page`);
}

async function shoot(lang) {
  const scene = SCENES[lang];
  const strings = messages(lang);
  const session = await startSession({ lang });
  try {
    const chat = await session.open(session.fixtureUrl(`generic-chat.html?${lang}`), { history: ['Welcome to the lobby!'] });
    await chat.setViewportSize({ width: 900, height: 560 });
    for (const [author, text] of scene.chat) await say(chat, author, text);
    await waitForWarning(chat, scene.warning);
    await expectText(chat, strings[`warningTitle_${scene.warning}`].message, `warning-${lang}`);
    await expectText(chat, strings.choiceTellGuardian.message, `warning-${lang}`);
    await chat.waitForTimeout(400); // the card's entrance animation
    await chat.screenshot({ path: join(OUT, `warning-${lang}.png`) });

    const compose = await session.open(session.fixtureUrl(`compose.html?${lang}`));
    await compose.setViewportSize({ width: 900, height: 400 });
    await compose.click('#ta');
    await compose.keyboard.type(scene.draft, { delay: 5 });
    await waitForWarning(compose, scene.nudge);
    await expectText(compose, strings[`nudgeTitle_${scene.nudge}`].message, `nudge-${lang}`);
    await compose.waitForTimeout(400);
    await compose.screenshot({ path: join(OUT, `nudge-${lang}.png`) });
  } finally {
    await session.close();
  }
}

mkdirSync(OUT, { recursive: true });
for (const lang of ['en', 'id']) {
  await shoot(lang);
  console.log(`docs/screenshots/warning-${lang}.png, nudge-${lang}.png`);
}
