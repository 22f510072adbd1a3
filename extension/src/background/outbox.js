// The durable outbox: an alert for a guardian is written to storage.local before anything is
// sent, once per channel, and stays there until that channel accepts it. Failed deliveries are
// retried with growing delays (the service worker wakes for them on an alarm), across
// service-worker and browser restarts and offline periods. Each alert has one id on every
// channel, so a receiver that sees it twice can drop the copy. Failures are kept for the options
// page to show, never swallowed.

const KEY = 'outbox';
const FIRST_RETRY_MS = 15_000;
const MAX_RETRY_MS = 60 * 60_000;
/** Far more than a day of alerts; past it the oldest undelivered entry is dropped and noted. */
const MAX_ENTRIES = 1000;

export function retryDelay(attempts) {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export class Outbox {
  /**
   * @param storage chrome.storage.local (or a stand-in with get/set)
   * @param deliver async (channel, alert) => void, throws on failure
   * @param now clock in ms
   */
  constructor(storage, deliver, now = () => Date.now()) {
    this.storage = storage;
    this.deliverOne = deliver;
    this.now = now;
    this.running = null;
    this.again = false;
    this.lock = Promise.resolve();
  }

  async entries() {
    return (await this.storage.get(KEY))[KEY] ?? [];
  }

  /**
   * Changes the stored entries with `change(entries)`, one change at a time: a delivery run and
   * a new alert must never overwrite each other's writes (that would lose or repeat an alert).
   */
  mutate(change) {
    const step = this.lock.then(async () => {
      const entries = await this.entries();
      const result = change(entries);
      await this.storage.set({ [KEY]: entries });
      return result;
    });
    this.lock = step.catch((error) => console.error('Lindungi: outbox not saved:', error));
    return step;
  }

  /** Queues `alert` for each channel, then tries to deliver. */
  async enqueue(alert, channels) {
    if (channels.length === 0) return;
    const dropped = await this.mutate((entries) => {
      for (const channel of channels) {
        entries.push({ channel, alert, attempts: 0, due: this.now(), lastError: null, queued: this.now() });
      }
      return entries.splice(0, Math.max(0, entries.length - MAX_ENTRIES));
    });
    if (dropped.length > 0) console.error(`Lindungi: outbox full, dropped ${dropped.length} oldest alert(s)`);
    await this.deliver();
  }

  /** Delivers every entry that is due; one run at a time, again if more came in meanwhile. */
  deliver() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.run();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async run() {
    await this.lock;
    const due = (await this.entries()).filter((e) => e.due <= this.now());
    for (const entry of due) {
      let error = null;
      try {
        await this.deliverOne(entry.channel, entry.alert);
      } catch (e) {
        error = String(e?.message ?? e);
      }
      await this.mutate((entries) => {
        const index = entries.findIndex((e) => e.channel === entry.channel && e.alert.id === entry.alert.id);
        if (index < 0) return;
        if (error === null) {
          entries.splice(index, 1);
        } else {
          const attempts = entries[index].attempts + 1;
          entries[index] = { ...entries[index], attempts, due: this.now() + retryDelay(attempts), lastError: error };
          console.warn(`Lindungi: ${entry.channel} alert not delivered (attempt ${attempts}): ${error}`);
        }
      });
    }
  }
}
