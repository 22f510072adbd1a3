// Which verdicts become a warning for the child. Pure functions, tested in tests/extension/.

export const LEVEL_RANK = { none: 0, low: 1, medium: 2, high: 3 };

/** What a guardian can change (issue: guardians and schools); these are the defaults. */
export const DEFAULT_SETTINGS = Object.freeze({
  warnLevel: 'medium',
  categories: Object.freeze({
    grooming: true,
    sexual: true,
    bullying: true,
    self_harm: true,
    personal_info: true,
    // Swearing at no one is informational: never a warning unless a guardian asks for it.
    profanity: false,
  }),
});

/**
 * Categories whose conversation pattern can warn on its own. Details the child shared are
 * nudged about while writing, not raised again on the other person's next message.
 */
const PATTERN_CATEGORIES = new Set(['grooming', 'sexual', 'bullying', 'self_harm']);

/** Categories the child is nudged about while writing, before the message leaves. */
const NUDGE_CATEGORIES = new Set(['bullying', 'personal_info', 'self_harm', 'sexual']);

function watched(settings, { category, level }) {
  return settings.categories[category] === true && LEVEL_RANK[level] >= LEVEL_RANK[settings.warnLevel];
}

function cuesOf(result, category) {
  const signals = result.signals.filter((s) => s.category === category);
  return {
    cues: [...new Set(signals.map((s) => s.cue))],
    spans: signals.map((s) => [s.start, s.end]),
  };
}

/**
 * The warning for one scanned item, or null.
 * - A draft (text still in the compose box) gets a nudge for the nudge categories.
 * - Someone else's message (or page text) gets a warning when a watched category reaches the
 *   warning level.
 * - The child's own sent messages get no warning at all (they were nudged while writing); a
 *   conversation pattern they add to is checked again on the next message from someone else.
 * - A conversation whose pattern reaches the warning level warns once per category and level,
 *   remembered in `memory.warned`. The detector's conversation verdict names no cues, so the cues
 *   seen in the conversation's incoming messages are kept in `memory.cues` to explain it.
 */
export function decideWarning(result, item, memory, settings = DEFAULT_SETTINGS) {
  if (item.draft) {
    const hit = result.categories.find((c) => NUDGE_CATEGORIES.has(c.category) && watched(settings, c));
    return hit ? { category: hit.category, level: hit.level, source: 'draft', ...cuesOf(result, hit.category) } : null;
  }
  if (item.direction === 'outgoing') return null;
  rememberCues(memory, result);
  const hit = result.categories.find((c) => watched(settings, c));
  if (hit) {
    remember(memory, hit);
    // What the conversation shows now was just warned about: only a later rise warns again.
    for (const pattern of result.conversation?.categories ?? []) remember(memory, pattern);
    return { category: hit.category, level: hit.level, source: 'message', ...cuesOf(result, hit.category) };
  }
  const pattern = result.conversation?.categories.find((c) => PATTERN_CATEGORIES.has(c.category) && watched(settings, c));
  if (pattern && LEVEL_RANK[pattern.level] > LEVEL_RANK[memory.warned?.[pattern.category] ?? 'none']) {
    remember(memory, pattern);
    const seen = memory.cues?.[pattern.category] ?? [];
    return {
      category: pattern.category,
      level: pattern.level,
      source: 'conversation',
      cues: seen.length > 0 ? [...seen] : cuesOf(result, pattern.category).cues,
      spans: cuesOf(result, pattern.category).spans,
    };
  }
  return null;
}

function remember(memory, { category, level }) {
  memory.warned ??= {};
  if (LEVEL_RANK[level] > LEVEL_RANK[memory.warned[category] ?? 'none']) memory.warned[category] = level;
}

/** The conversation's cues per category, in the order first seen, at most MAX_CUES each. */
const MAX_CUES = 12;
function rememberCues(memory, result) {
  for (const { category, cue } of result.signals) {
    memory.cues ??= {};
    const seen = (memory.cues[category] ??= []);
    if (!seen.includes(cue) && seen.length < MAX_CUES) seen.push(cue);
  }
}
