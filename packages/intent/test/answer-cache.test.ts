import { cachingAnswers } from '../src/answer-cache.ts';
import type { ClassifyInput, Intent } from '../src/index.ts';

/** A classifier that counts its calls and answers from the text's length. */
function counting() {
  const calls: ClassifyInput[] = [];
  const classify = (input: ClassifyInput): Intent => {
    calls.push(input);
    return { label: input.text.length > 3 ? 'interested' : 'opt_out', confidence: 0.9, classifier: 'test' };
  };
  return { calls, classify };
}

describe('cached classifier answers', () => {
  test('a repeated reply is classified once, and gets the same answer', () => {
    const { calls, classify } = counting();
    const cached = cachingAnswers(classify);
    const first = cached({ text: 'STOP', channel: 'sms' });
    const second = cached({ text: 'STOP', channel: 'sms' });
    expect(second).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  test('the same text on another channel or with another subject is classified again', () => {
    const { calls, classify } = counting();
    const cached = cachingAnswers(classify);
    cached({ text: 'yes', channel: 'sms' });
    cached({ text: 'yes', channel: 'email' });
    cached({ text: 'yes', channel: 'email', subject: 'Re: offer' });
    expect(calls).toEqual([{ text: 'yes', channel: 'sms' }, { text: 'yes', channel: 'email' }, { text: 'yes', channel: 'email', subject: 'Re: offer' }]);
  });

  test('a caller that edits its answer does not change the next one', () => {
    const { classify } = counting();
    const cached = cachingAnswers(classify);
    const mine = cached({ text: 'yes thanks' });
    mine.label = 'opt_out';
    expect(cached({ text: 'yes thanks' }).label).toBe('interested');
  });

  test('beyond its capacity the least recently used answer is forgotten', () => {
    const { calls, classify } = counting();
    const cached = cachingAnswers(classify, 2);
    cached({ text: 'a' });
    cached({ text: 'b' });
    cached({ text: 'a' }); // a is now the most recently used
    cached({ text: 'c' }); // b goes
    cached({ text: 'a' });
    cached({ text: 'b' });
    expect(calls.map((c) => c.text)).toEqual(['a', 'b', 'c', 'b']);
  });

  test('a reply longer than one SMS segment is not remembered', () => {
    const { calls, classify } = counting();
    const cached = cachingAnswers(classify);
    const long = 'x'.repeat(161);
    cached({ text: long });
    cached({ text: long });
    expect(calls).toHaveLength(2);
  });
});
