// The warning card itself: keyboard use (Alt+Shift+L, Tab, Enter, Escape), its accessible name
// and roles (the shadow root is closed, so through focus and Chromium's accessibility tree), what
// "Tell my guardian" records (no message text), and a hostile page that tries to hide or read it.
// Run: node --test --test-concurrency=1 tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSession, say, waitForWarning, assertNoNetworkLeaks, ROOT } from './harness.mjs';

const en = JSON.parse(readFileSync(join(ROOT, 'extension', '_locales', 'en', 'messages.json'), 'utf8'));
const msg = (key) => en[key].message;

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

/** Chromium's accessibility tree of the page, closed shadow roots included. */
async function axTree(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes.filter((n) => !n.ignored).map((n) => ({
      role: n.role?.value,
      name: n.name?.value ?? '',
      focused: (n.properties ?? []).some((p) => p.name === 'focused' && p.value?.value === true),
    }));
  } finally {
    await cdp.detach();
  }
}

/** The focused node inside the page (not the document itself), as {role, name}. */
async function focused(page) {
  const node = (await axTree(page)).find((n) => n.focused && n.role !== 'RootWebArea');
  return node ? { role: node.role, name: node.name } : null;
}

const activeIsWarning = (page) => page.evaluate(() => document.activeElement?.hasAttribute('data-lindungi-warning') === true);

async function openChat(label) {
  const page = await session.open(session.fixtureUrl(`generic-chat.html?${label}`), { history: ['Welcome to the lobby!'] });
  return page;
}

test('keyboard: Alt+Shift+L focuses the warning, Tab reaches every button, Enter on "I\'m OK" closes it and focus goes back', async () => {
  const page = await openChat('keyboard');
  await page.click('#box');
  await say(page, 'stranger', 'kamu bodoh banget, dasar jelek');
  const host = await waitForWarning(page, 'bullying');
  // The child was typing: the warning does not steal focus (role="alert" announces it instead).
  assert.equal(await page.evaluate(() => document.activeElement.id), 'box');

  await page.keyboard.press('Alt+Shift+L');
  assert.ok(await activeIsWarning(page), 'focus is in the warning');
  assert.deepEqual(await focused(page), { role: 'heading', name: msg('warningTitle_bullying') });

  const order = [];
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    order.push((await focused(page))?.name);
  }
  assert.deepEqual(order, [msg('choiceClose'), msg('choiceTellGuardian'), msg('choiceReport'), msg('choiceLeave'), msg('choiceOk')]);
  assert.ok(await activeIsWarning(page));

  await page.keyboard.press('Enter');
  await host.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'box', 'focus returns where it was');
  await page.close();
});

test('keyboard: Escape closes the warning', async () => {
  const page = await openChat('escape');
  await say(page, 'stranger', 'you are so ugly, nobody likes you');
  const host = await waitForWarning(page, 'bullying');
  await page.keyboard.press('Alt+Shift+L');
  assert.ok(await activeIsWarning(page));
  await page.keyboard.press('Escape');
  await host.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-lindungi-warning]').count(), 0);
  await page.close();
});

test('the card is a region named by its title, with an alert, real buttons and the reasons', async () => {
  const page = await openChat('a11y');
  await say(page, 'stranger', "this is our secret, don't tell your mom");
  await waitForWarning(page, 'grooming');
  const tree = await axTree(page);
  const has = (role, name) => tree.some((n) => n.role === role && n.name === name);
  assert.ok(has('region', msg('warningTitle_grooming')), 'a region with the title as its accessible name');
  assert.ok(has('heading', msg('warningTitle_grooming')));
  assert.ok(tree.some((n) => n.role === 'alert'), 'the message is announced');
  for (const key of ['choiceClose', 'choiceTellGuardian', 'choiceReport', 'choiceLeave', 'choiceOk']) {
    assert.ok(has('button', msg(key)), `button ${msg(key)}`);
  }
  assert.ok(has('StaticText', msg('cue_grooming_secrecy')), 'the reason is explained');
  await page.close();
});

test('"Tell my guardian" records category, level, cues and site in the alert log, and no message text', async () => {
  const page = await openChat('tell');
  const text = "this is our secret, don't tell your mom";
  await say(page, 'stranger', text);
  await waitForWarning(page, 'grooming');
  await page.keyboard.press('Alt+Shift+L');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page))?.name, msg('choiceTellGuardian'));
  await page.keyboard.press('Enter');
  // The child sees that it worked.
  let confirmed = false;
  for (let i = 0; i < 40 && !confirmed; i++) {
    confirmed = (await axTree(page)).some((n) => n.name === msg('confirmToldGuardian'));
    if (!confirmed) await page.waitForTimeout(50);
  }
  assert.ok(confirmed, 'the confirmation is shown');

  const worker = await session.serviceWorker();
  let log = [];
  for (let i = 0; i < 40; i++) {
    log = (await worker.evaluate(() => chrome.storage.local.get('alertLog'))).alertLog ?? [];
    if (log.some((e) => e.event === 'choice:tell')) break;
    await page.waitForTimeout(50);
  }
  const told = log.find((e) => e.event === 'choice:tell');
  assert.ok(told, JSON.stringify(log));
  assert.equal(told.category, 'grooming');
  assert.ok(['medium', 'high'].includes(told.level), told.level);
  assert.ok(Array.isArray(told.cues) && told.cues.includes('grooming.secrecy'), JSON.stringify(told.cues));
  assert.equal(told.site, '127.0.0.1');
  // Never the message: not in any entry, under any field.
  const serialized = JSON.stringify(log);
  for (const fragment of [text, 'our secret', 'tell your mom', 'Welcome to the lobby']) {
    assert.ok(!serialized.includes(fragment), `the alert log contains "${fragment}"`);
  }
  await page.close();
});

test('a hostile page cannot remove, restyle, hide or read the warning', async () => {
  const page = await openChat('hostile');
  await say(page, 'stranger', 'kirim pap tt dong');
  await waitForWarning(page, 'sexual');

  // Removing the host: it comes back.
  await page.evaluate(() => document.querySelector('[data-lindungi-warning]').remove());
  await page.waitForFunction(() => document.querySelector('[data-lindungi-warning="sexual"]')?.isConnected === true, null, { timeout: 5000 });

  // Rewriting its inline style, or stripping the attribute first and then removing it: undone.
  await page.evaluate(() => {
    const host = document.querySelector('[data-lindungi-warning]');
    host.style.setProperty('display', 'none', 'important');
    host.hidePopover?.();
  });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-lindungi-warning]')).display === 'block', null, { timeout: 5000 });
  await page.evaluate(() => {
    const host = document.querySelector('[data-lindungi-warning]');
    host.removeAttribute('data-lindungi-warning');
    host.remove();
  });
  await page.waitForFunction(() => document.querySelector('[data-lindungi-warning="sexual"]')?.isConnected === true, null, { timeout: 5000 });

  // A page stylesheet that hides it: it stays visible, on top of everything.
  await page.addStyleTag({
    content: '[data-lindungi-warning] { display: none !important; visibility: hidden !important; opacity: 0 !important; }'
      + ' .cover { position: fixed; inset: 0; z-index: 2147483647; background: white; }',
  });
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('div'), { className: 'cover' })));
  const state = await page.evaluate(() => {
    const host = document.querySelector('[data-lindungi-warning]');
    const style = getComputedStyle(host);
    const box = host.getBoundingClientRect();
    return {
      display: style.display,
      visibility: style.visibility,
      opacity: style.opacity,
      size: box.width > 100 && box.height > 50,
      onTop: document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === host,
      shadowRoot: host.shadowRoot,
      text: host.textContent + host.innerText,
    };
  });
  assert.deepEqual(state, { display: 'block', visibility: 'visible', opacity: '1', size: true, onTop: true, shadowRoot: null, text: '' });
  await page.close();
});

test('network audit: nothing left 127.0.0.1 while warning, choosing and resisting the page', () => {
  assertNoNetworkLeaks(session);
});
