// The guardian's PIN: stored only as a salted PBKDF2-SHA256 hash (WebCrypto), with a growing
// delay after wrong attempts so a child cannot try PINs one after another.

export const ITERATIONS = 210_000;
const FREE_ATTEMPTS = 3;
const FIRST_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(pin, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** A record to store for a new PIN: {salt, hash, iterations} (base64). */
export async function createPinRecord(pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: toBase64(salt), hash: toBase64(await derive(pin, salt, ITERATIONS)), iterations: ITERATIONS };
}

/** Whether `pin` matches the stored record (compared in constant time). */
export async function checkPin(pin, record) {
  const actual = await derive(pin, fromBase64(record.salt), record.iterations);
  const expected = fromBase64(record.hash);
  let difference = actual.length ^ expected.length;
  for (let i = 0; i < actual.length; i++) difference |= actual[i] ^ (expected[i] ?? 0);
  return difference === 0;
}

/** How long to wait after `failures` wrong PINs in a row: none for the first three, then doubling. */
export function lockoutDelay(failures) {
  if (failures <= FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (failures - FREE_ATTEMPTS - 1));
}
