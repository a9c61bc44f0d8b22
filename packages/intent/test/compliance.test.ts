import { OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, createBuiltinClassifier, matchComplianceKeyword } from '../src/index.ts';
import type { IntentLabel } from '../src/index.ts';

const KEYWORDS: [string, IntentLabel][] = [
  ['STOP', 'opt_out'],
  ['STOPALL', 'opt_out'],
  ['UNSUBSCRIBE', 'opt_out'],
  ['CANCEL', 'opt_out'],
  ['END', 'opt_out'],
  ['QUIT', 'opt_out'],
  ['REVOKE', 'opt_out'],
  ['OPTOUT', 'opt_out'],
  ['ARRET', 'opt_out'],
  ['ARRÊT', 'opt_out'],
  ['ARRETE', 'opt_out'],
  ['START', 'opt_in'],
  ['UNSTOP', 'opt_in'],
  ['HELP', 'info_request'],
  ['INFO', 'info_request'],
  ['AIDE', 'info_request'],
];

/** Case, spacing, punctuation and emoji variants a carrier would still read as the keyword. */
function variants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  const title = lower.charAt(0).toUpperCase() + lower.slice(1);
  return [keyword, lower, title, `  ${keyword}  `, `${lower}.`, ` ${title}! `, `"${keyword}"`, `${lower} 🛑`, `\t${lower}?!\n`, `«${title}»`];
}

describe('matchComplianceKeyword', () => {
  test.each(KEYWORDS)('%s is %s in every case/spacing/punctuation variant', (keyword, label) => {
    for (const text of variants(keyword)) {
      expect(matchComplianceKeyword(text)).toEqual({ label, confidence: 1, classifier: 'keyword' });
    }
  });

  test.each([
    ['arrêt', 'opt_out'],
    ['Arrête', 'opt_out'],
    ['ARRÊTE !', 'opt_out'],
    ['arret', 'opt_out'],
    ['Stop.', 'opt_out'],
    [' Stop! ', 'opt_out'],
    ['stop.', 'opt_out'],
    ['aide ?', 'info_request'],
  ] as [string, IntentLabel][])('%j is the %s keyword (accents ignored)', (text, label) => {
    expect(matchComplianceKeyword(text)?.label).toBe(label);
  });

  test.each([
    'stop sending me ads',
    'please stop',
    'STOP STOP',
    'stopp',
    's t o p',
    'non-stop',
    'arrêtez',
    'yes please',
    'yes interested',
    'start date?',
    'help me choose',
    'information',
    'infos',
    'cancel my order',
    'unsubscribe me',
    'the end',
    'ending',
    'HORAIRES',
    '',
    '   ',
  ])('%j is not a keyword match', (text) => {
    expect(matchComplianceKeyword(text)).toBeNull();
  });

  test('configured service keywords are info_request, with case and accents ignored', () => {
    const serviceKeywords = ['INFO', 'HORAIRES', 'CONTACT', 'AIDE', 'Réserver'];
    for (const text of ['HORAIRES', 'horaires ?', ' Contact. ', 'RESERVER', 'réserver', 'info', 'Aide']) {
      expect(matchComplianceKeyword(text, { serviceKeywords })).toEqual({ label: 'info_request', confidence: 1, classifier: 'keyword' });
    }
    expect(matchComplianceKeyword('horaires du magasin ?', { serviceKeywords })).toBeNull();
  });

  test('a service keyword cannot shadow an opt-out or opt-in keyword', () => {
    expect(matchComplianceKeyword('stop', { serviceKeywords: ['STOP', 'YES'] })?.label).toBe('opt_out');
    expect(matchComplianceKeyword('yes', { serviceKeywords: ['STOP', 'YES'] })).toMatchObject({ label: 'interested', whenOptedOut: 'opt_in' });
  });

  test.each(['YES', 'yes', 'Yes!', ' yes. ', 'YES 👍'])('a lone %j is interested, and opt_in for an opted-out contact (rule 8)', (text) => {
    expect(matchComplianceKeyword(text)).toEqual({ label: 'interested', confidence: 1, classifier: 'keyword', whenOptedOut: 'opt_in' });
  });

  test('the exported keyword lists are the carrier ones', () => {
    expect([...OPT_OUT_KEYWORDS].sort()).toEqual(['ARRET', 'ARRETE', 'CANCEL', 'END', 'OPTOUT', 'QUIT', 'REVOKE', 'STOP', 'STOPALL', 'UNSUBSCRIBE']);
    expect([...OPT_IN_KEYWORDS].sort()).toEqual(['START', 'UNSTOP', 'YES']);
  });

  test('the built-in classifier answers keywords through the compliance check, and free text through the model', () => {
    const classifier = createBuiltinClassifier({ serviceKeywords: ['HORAIRES'] });
    expect(classifier.classifySync({ text: ' Stop! ' })).toEqual({ label: 'opt_out', confidence: 1, classifier: 'keyword' });
    expect(classifier.classifySync({ text: 'Horaires' })).toEqual({ label: 'info_request', confidence: 1, classifier: 'keyword' });
    const freeText = classifier.classifySync({ text: 'combien ça coûte ?' });
    expect(freeText.classifier).toBe('builtin-v2');
    expect(freeText.label).toBe('question');
  });
});
