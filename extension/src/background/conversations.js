// Conversation state kept in storage.session, so a grooming pattern that builds over minutes
// survives the service worker sleeping (it stops after about 30 s idle). States are the
// detector's own bounded exports; at most MAX_KEPT conversations are kept, least recent dropped.

const PREFIX = 'conversation:';
const INDEX = 'conversations';
const MAX_KEPT = 200;

export class ConversationStore {
  constructor(storage) {
    this.storage = storage;
    /** Keys whose state this service worker has loaded into the detector. */
    this.loaded = new Set();
    /** Per key: {warned: {category: level}, cues: {category: [cue...]}}. */
    this.memory = new Map();
    this.dirty = new Set();
  }

  /** Restores a conversation into the detector once per service-worker lifetime. */
  async load(detector, key) {
    if (this.loaded.has(key)) return this.memory.get(key);
    this.loaded.add(key);
    const stored = (await this.storage.get(PREFIX + key))[PREFIX + key];
    const memory = { warned: stored?.warned ?? {}, cues: stored?.cues ?? {} };
    this.memory.set(key, memory);
    if (stored?.state) {
      try {
        detector.importState(key, stored.state);
      } catch (error) {
        // A state from another detector version: start this conversation afresh, visibly.
        console.warn('Lindungi: conversation state not restored:', error.variant, error.message);
      }
    }
    return memory;
  }

  touch(key) {
    this.dirty.add(key);
  }

  /** Saves the conversations scanned since the last save. */
  async save(detector) {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    const entries = {};
    for (const key of keys) {
      const memory = this.memory.get(key);
      entries[PREFIX + key] = { state: detector.exportState(key), warned: memory?.warned ?? {}, cues: memory?.cues ?? {} };
    }
    const index = (await this.storage.get(INDEX))[INDEX] ?? [];
    const order = [...index.filter((k) => !keys.includes(k)), ...keys];
    const dropped = order.splice(0, Math.max(0, order.length - MAX_KEPT));
    entries[INDEX] = order;
    await this.storage.set(entries);
    if (dropped.length > 0) await this.storage.remove(dropped.map((k) => PREFIX + k));
  }
}
