// The local alert log in storage.local: every warning shown and every choice the child made,
// with category, level, cues, site and time — never message text. The guardians-and-schools
// channels read from here.

const KEY = 'alertLog';
export const MAX_ENTRIES = 500;

export async function appendAlert(storage, entry) {
  const log = (await storage.get(KEY))[KEY] ?? [];
  log.push({ id: crypto.randomUUID(), time: new Date().toISOString(), ...entry });
  await storage.set({ [KEY]: log.slice(-MAX_ENTRIES) });
}

export async function readAlerts(storage) {
  return (await storage.get(KEY))[KEY] ?? [];
}
