import type { ClassifyInput, Intent } from './types.ts';

/** Replies longer than one SMS segment rarely repeat word for word: not worth their memory. */
const MAX_CACHED_CHARS = 160;

/**
 * Remembers the built-in classifier's answers by exact input (text, channel, subject): many
 * replies are identical ("STOP", "Oui", "yes thanks"), and the classifier is a pure function of
 * its input, so a repeat costs a map lookup instead of feature extraction and the model. Bounded:
 * the least recently used answer goes first. Each call gets its own copy, so a caller that edits
 * its answer cannot change the next one.
 */
export function cachingAnswers(classify: (input: ClassifyInput) => Intent, capacity = 2_000): (input: ClassifyInput) => Intent {
  const answers = new Map<string, Intent>();
  return (input) => {
    if (input.text.length > MAX_CACHED_CHARS) return classify(input);
    const key = `${input.channel ?? ''}\u0000${input.subject ?? ''}\u0000${input.text}`;
    const known = answers.get(key);
    if (known) {
      // Map keeps insertion order: moving the entry to the end makes the first one the least recently used.
      answers.delete(key);
      answers.set(key, known);
      return { ...known };
    }
    const answer = classify(input);
    answers.set(key, answer);
    if (answers.size > capacity) answers.delete(answers.keys().next().value!);
    return { ...answer };
  };
}
