/**
 * MQTT 3.1.1 topic names and filters (section 4.7), shared by the broker's
 * routing taps and the lesson's wildcard playground, so both explain a match
 * the same way. Imports nothing.
 */

/** Longest topic the lab accepts, in levels (the broker is configured with the same cap). */
export const MAX_TOPIC_LEVELS = 16;

/** Why a topic name (what PUBLISH carries) is invalid, or undefined when it is fine. */
export function topicNameError(topic: string): string | undefined {
  if (topic.length === 0) return 'a topic name must be at least one character long [MQTT-4.7.3-1]';
  if (topic.includes('+') || topic.includes('#')) {
    return 'wildcards (+ and #) are only for subscriptions, never in a PUBLISH topic [MQTT-3.3.2-2]';
  }
  if (topic.includes('\u0000')) return 'a topic must not contain the null character [MQTT-4.7.3-2]';
  if (topic.split('/').length > MAX_TOPIC_LEVELS) return `more than ${MAX_TOPIC_LEVELS} levels`;
  return undefined;
}

/** Why a topic filter (what SUBSCRIBE carries) is invalid, or undefined when it is fine. */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter must be at least one character long [MQTT-4.7.3-1]';
  if (filter.includes('\u0000')) return 'a topic filter must not contain the null character [MQTT-4.7.3-2]';
  const levels = filter.split('/');
  if (levels.length > MAX_TOPIC_LEVELS) return `more than ${MAX_TOPIC_LEVELS} levels`;
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return '# must be a whole level and the last one, as in atms/# [MQTT-4.7.1-2]';
    }
    if (level.includes('+') && level !== '+') return '+ must be a whole level, as in atms/+/atm-1 [MQTT-4.7.1-3]';
  }
  return undefined;
}

export interface LevelVerdict {
  /** The filter's level here (undefined: the filter ran out). */
  filter: string | undefined;
  /** The topic's level here (undefined: the topic ran out). */
  topic: string | undefined;
  ok: boolean;
  why: string;
}

export interface MatchExplanation {
  matches: boolean;
  /** One verdict per level compared, stopping at the first that fails. */
  levels: LevelVerdict[];
  /** Set when the filter or topic is itself invalid (then `matches` is false). */
  error?: string;
}

/** Does `filter` match `topic`, and why, level by level. */
export function explainMatch(filter: string, topic: string): MatchExplanation {
  const error = topicFilterError(filter) ?? topicNameError(topic);
  if (error) return { matches: false, levels: [], error };
  const f = filter.split('/');
  const t = topic.split('/');
  const levels: LevelVerdict[] = [];
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with $.
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) {
    levels.push({ filter: f[0], topic: t[0], ok: false, why: 'wildcards never match topics that start with $' });
    return { matches: false, levels };
  }
  for (let i = 0; ; i++) {
    const fl = f[i];
    const tl = t[i];
    if (fl === '#') {
      levels.push({
        filter: fl,
        topic: tl,
        ok: true,
        why: tl === undefined ? '# also matches the parent level itself' : '# matches this level and everything below',
      });
      return { matches: true, levels };
    }
    if (fl === undefined && tl === undefined) return { matches: true, levels };
    if (fl === undefined) {
      levels.push({ filter: fl, topic: tl, ok: false, why: 'the topic has more levels than the filter' });
      return { matches: false, levels };
    }
    if (tl === undefined) {
      levels.push({ filter: fl, topic: tl, ok: false, why: 'the topic has fewer levels than the filter' });
      return { matches: false, levels };
    }
    if (fl === '+') {
      levels.push({ filter: fl, topic: tl, ok: true, why: '+ matches exactly one level, whatever it says' });
      continue;
    }
    const ok = fl === tl;
    levels.push({ filter: fl, topic: tl, ok, why: ok ? 'same text' : 'different text (levels are case-sensitive)' });
    if (!ok) return { matches: false, levels };
  }
}

/** Does `filter` match `topic`? (Both assumed valid; fast path for the broker's taps.) */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    const fl = f[i];
    if (fl === '#') return true;
    if (i >= t.length) return false;
    if (fl !== '+' && fl !== t[i]) return false;
  }
  return f.length === t.length;
}
