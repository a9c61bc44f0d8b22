import { extractEmailBody } from './email-body.ts';
import { normalizeText, tokenize } from './normalize.ts';
import type { ClassifyInput } from './types.ts';

/** Words that open a negation scope ("pas intéressé", "not interested", "no thanks"), in normalized form. */
const NEGATORS: ReadonlySet<string> = new Set(['ne', 'pas', 'not', 'no', 'non', 'never', 'jamais', 'aucun', 'aucune', 'rien', 'nor', 'ni']);
/** Words that close a negation scope early ("pas cher mais intéressant"). */
const SCOPE_BREAKERS: ReadonlySet<string> = new Set(['mais', 'but', 'however', 'cependant', 'et', 'and']);
/** How many words after a negator are marked as negated. */
const NEGATION_WINDOW = 3;

/**
 * Stem classes: many spellings and both languages map to one concept feature, which the model
 * weighs like any other feature. This is what lets a few hundred examples cover "désinscrivez", "unsub" and
 * "enlevez-moi" alike. Patterns apply to normalized, letter-squeezed words; the first match wins.
 */
const CONCEPTS: readonly (readonly [string, RegExp])[] = [
  ['unsubscribe', /^(desabon|desinscri|unsub|optout|retir|enlev|suprim|remove|delete|efac|erase|block|bloqu|sortez|sort$|harcel|spam|tranquil|alone)/],
  ['subscribe', /^(abon|inscri|reinscri|reabon|subscri|resubscri|signup|optin|join|rejoin|ajout|ad$|remet|unstop|start|restart|reactiv|resume)/],
  ['stop', /^(stop|aret|halt|ces|enough|asez|quit$|fin$|annul|cancel|resili|emo_stop|emo_hand)/],
  ['messages', /^(mesage|sms|text|mail|email|newsleter|notif|alert|pub$|pubs$|promo|comunication|diffusion|liste?$|list$|recev|receiv|envoy|send|sending|contact)/],
  ['call', /^(apel|rapel|call|phone|telephon|ring$|joindr|joignabl|fil$|vocal|voice|emo_phone)/],
  ['info', /^(info|detail|brochure|catalog|doc$|docs$|documentation|renseign|plaquet|fiche|spec|devis|quote|explain|expliq|condition|terms|lien$|link|site$|website)/],
  ['positive', /^(interes|partant|preneu|keen|love|ador|deal|parfait|perfect|great|super|top$|genial|cool|tente|chaud|valid|confirm|want|prend|take|sure|absolut|definit|plaisir|happy|go$|emo_thumbsup|emo_okhand|emo_love|emo_fire|emo_handshake|emo_raisehands|emo_clap|emo_check)/],
  ['negative', /^(pass$|decline|refus|expensive|cher$|deja|already|convainc|emo_thumbsdown|emo_nogesture|emo_cross)/],
  ['price', /^(prix|price|cost|cout|combien|tarif|much$|pay|paie|frais|fee|tva|vat|ttc)/],
  ['qword', /^(comment|pourquoi|quand|quel|ou$|where|what|when|how$|why|which|est$|is$|are$|do$|does$|can$|could$|peut|qmark)/],
  ['auto', /^(automat|auto$|autoreply|absen|ofice|leave$|vacation|vacanc|conge|holiday|retour|return|away|deplacement|travel|deliver|undeliver|remis|distribu|fail|echec|eror|mailbox|boite|destinatair|recipient|postmaster|daemon|monitor|surveil|urgen|acces|acusse|acuse|ticket|ofline)/],
  ['greeting', /^(bonjour|bonsoir|salut|coucou|hello|hi$|hey$|yo$|alo$)/],
  ['thanks', /^(merci|thanks)/],
  ['chat', /^(lol|mdr|ptdr|haha|hihi|lmao|emo_laugh|emo_smile|emo_party|emo_sun|emo_wave)/],
];

/**
 * Phrase classes over the normalized text (lower-case, no accents, letters squeezed, elisions
 * expanded: "c'est" is "ce est"). They name what INTENTS.md's rules turn on — a double negative
 * that accepts (rule 7), interest taken back, hours/place/contact details (rule 4), where the
 * number came from, a wrong number, a meeting that is not a call (rule 6) — so that a phrasing the
 * data lacks still lands on a feature the model has weighed.
 */
const PHRASES: readonly (readonly [string, RegExp])[] = [
  ['accept_neg', /\b((ne )?(dis|dit) pas non|pas contre|pas de refus|pourquoi pas|pas bete|pas mal|se refuse pas|refuse pas|pas inintere\w*|no objection|not opose|why not|would not say no|can not say no|not a bad idea|not bad|se why not|wouldn't hurt|would not hurt)\b/],
  ['takeback', /\b(finalement|changed my mind|change de avis|changer de avis|on second thought|actualy no|plus maintenant|not anymore|no longer interested|mais non|but no)\b/],
  ['decline', /\b(ca ira|all set|we are good|i am good|je pase|pas besoin|no ned|pas pour moi|not for me|deja (equipe|client|signe)|already (have|signed|got))\b/],
  ['hours', /\b(horaire\w*|ouvert\w*|ouvre\w*|ouvrez|ferme|fermez|fermes|fermeture|open|opening|close|closed|closing|hours|nocturne)\b/],
  ['place', /\b(adres\w*|ou (est|se trouve|etes|ete|sont)|where (is|are|ar)|situe\w*|located|based|postcode|code postal)\b/],
  ['contact_detail', /\b(quel|quelle|votre|vos|your|what|what is|ce est quoi|c ou|un|le|la) (numero|number|nbr|telephone|phone number|adres\w*|mail|email|site|website|lien|link)\b/],
  ['number_source', /\b(ou|where|comment|how|qui|who)\b.{0,30}\b(eu|get|got|gave|give|done|obtenu|trouve|found|autorise)\b.{0,20}\b(numero|number|nbr|0|details|coordonees|adres\w*|email|mail|contact)\b/],
  ['wrong_number', /\b(trompe\w*|mauvais (numero|destinataire|personne)|wrong (number|person|chat|numero)|erreur de destinataire|pas la personne|not who you|bon numero|par erreur|pas pour vous|wrong)\b/],
  ['family', /\b(maman|mom|mum|papa|dad|cheri\w*|babe|bisous|xoxo|love you|bro|les gars|guys)\b/],
  ['meeting', /\b(rdv|rendez vous|demo|showroom|agence|boutique|en magasin|in person|visit|pase en|come by|passer|passerai)\b/],
  ['who', /(^| )(qui|who)( |$)/],
  ['time_mention', /\b0 ?(h|pm|am|heures?)\b|\b0h0\b|\b(midi|noon|lunchtime|ce soir|tonight|demain|tomorow|matin|morning|aprem|afternoon|evening|soir)\b/],
  ['call_window', /\b(pas avant|not before|pas apres|not after|apres|after|avant|before|entre|between|vers|around|a partir de|from|until|jusqu a) 0 ?(h|pm|am|heures?)?\b/],
  ['auto_phrase', /\b(mesage automatique|automated|automatic|auto-?reply|reponse automatique|out of (the )?ofice|absente?|do not disturb|ne pas deranger|hors ligne|ofline|we wil (reply|respond|get back|answer|cal you back)|nous vous (repondrons|recontacterons)|notre equipe|our team|un conseiler va vous|thanks for (texting|contacting|your mesage|reaching out)|merci (pour|de) votre mesage|bienvenue chez|welcome to|business hours|horaires :|undeliver\w*|non remis|mailer|daemon|postmaster|0 0\.0\.0|ne sera pas (transfere|lu)|wil not be forwarded|boite aux letres|mailbox|acuse de reception|ticket)\b/],
  ['media', /(omited|omis|absente?\b|supprime|deleted|atachment|piece jointe|sticker|\bgif\b|voice (mesage|cal)|mesage vocal|appel vocal|\bmised\b|manque|\[photo\]|\[image\]|\.jpg|<media|<atached)/],
];

/** Memo of {@link conceptOf}: a vocabulary is small, and each word would otherwise run every pattern. */
const conceptMemo = new Map<string, string | null>();
const CONCEPT_MEMO_MAX = 100_000;

function conceptOf(word: string): string | undefined {
  const known = conceptMemo.get(word);
  if (known !== undefined) return known ?? undefined;
  let found: string | null = null;
  for (const [name, re] of CONCEPTS) {
    if (re.test(word)) {
      found = name;
      break;
    }
  }
  // Bounded: random text (keyboard mashing, hashes) must not grow the memo forever.
  if (conceptMemo.size >= CONCEPT_MEMO_MAX) conceptMemo.clear();
  conceptMemo.set(word, found);
  return found ?? undefined;
}

/** Relative weight of each feature family (tuned by cross-validation on the training split). */
export type FeatureWeights = { word: number; bigram: number; char: number; concept: number; subject: number; meta: number };

/** Default feature weights. */
export const DEFAULT_FEATURE_WEIGHTS: FeatureWeights = { word: 1, bigram: 1, char: 0.35, concept: 3, subject: 1, meta: 1 };

/** Sparse features: parallel arrays of names and values (names may repeat; the model sums them). */
export type FeatureBag = { keys: number[]; values: number[] };

/*
 * Feature names are hashed (FNV-1a, 32 bits) straight from their parts instead of being built as
 * strings: no allocation per character n-gram, which is what keeps classification fast and its
 * latency tail short (fewer garbage collections). With a few hundred thousand distinct features,
 * 32 bits give a handful of collisions at most.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Hash of `family` + ':' + the parts joined by spaces. */
function key(family: string, a: string, b?: string): number {
  let h = mix(FNV_OFFSET, family);
  h = Math.imul(h ^ 58, FNV_PRIME);
  h = mix(h, a);
  if (b !== undefined) {
    h = Math.imul(h ^ 32, FNV_PRIME);
    h = mix(h, b);
  }
  return h >>> 0;
}

function push(bag: FeatureBag, k: number, v: number): void {
  bag.keys.push(k);
  bag.values.push(v);
}

function isWord(t: string): boolean {
  return t !== 'qmark' && !t.startsWith('emo_') && t !== '0';
}

function pushCharGrams(bag: FeatureBag, family: string, word: string, weight: number): void {
  const padded = `<${word}>`;
  const seed = Math.imul(mix(FNV_OFFSET, family) ^ 58, FNV_PRIME);
  for (let n = 3; n <= 5; n++) {
    for (let i = 0; i + n <= padded.length; i++) push(bag, mix(seed, padded, i, i + n) >>> 0, weight);
  }
}

function lengthBucket(words: number): string {
  if (words <= 1) return '1';
  if (words <= 3) return '2-3';
  if (words <= 7) return '4-7';
  if (words <= 15) return '8-15';
  return '16+';
}

/**
 * Colloquial French drops the "ne": "je veux plus recevoir" is a negation, while "plus d'infos",
 * "plus que" and a final "en savoir plus" are not.
 */
function isNegativePlus(next: { text: string; boundary: boolean } | undefined): boolean {
  return next !== undefined && !next.boundary && next.text !== 'de' && next.text !== 'que' && next.text !== 'qmark';
}

/** Function words that do not use up the negation window ("no longer wish to receive these emails"). */
const FUNCTION_WORDS: ReadonlySet<string> = new Set(['to', 'the', 'a', 'an', 'me', 'my', 'your', 'any', 'of', 'longer', 'more', 'anymore', 'de', 'le', 'la', 'les', 'vos', 'votre', 'mes', 'mon', 'au', 'aux', 'des', 'du', 'en', 'te', 'se', 'y', 'plus']);
/** French negators that follow the verb when "ne" is dropped ("ça m'intéresse pas", "j'en veux pas"). */
const POST_VERBAL: ReadonlySet<string> = new Set(['pas', 'jamais', 'rien']);

/** Marks each word with '!' when it falls inside a negation scope. */
function markNegation(tokens: { text: string; boundary: boolean }[]): string[] {
  const out: string[] = [];
  let left = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.boundary) {
      left = 0;
      out.push('');
      continue;
    }
    const t = tok.text;
    if (NEGATORS.has(t) || (t === 'plus' && isNegativePlus(tokens[i + 1]))) {
      const prev = out.length - 1;
      if (POST_VERBAL.has(t) && left === 0 && prev >= 0 && out[prev] !== '' && !out[prev]!.startsWith('!') && !NEGATORS.has(out[prev]!)) {
        out[prev] = `!${out[prev]}`;
      }
      left = NEGATION_WINDOW;
      out.push(t);
    } else if (SCOPE_BREAKERS.has(t)) {
      left = 0;
      out.push(t);
    } else if (left > 0) {
      if (!FUNCTION_WORDS.has(t)) left--;
      out.push(`!${t}`);
    } else {
      out.push(t);
    }
  }
  return out;
}

/**
 * Turns a reply into weighted sparse features: word unigrams and bigrams with negation marking,
 * character 3-5-grams inside words (typo tolerance), email subject words, channel and length.
 */
export function extractFeatures(input: ClassifyInput, weights: FeatureWeights = DEFAULT_FEATURE_WEIGHTS): FeatureBag {
  const bag: FeatureBag = { keys: [], values: [] };
  const body = input.channel === 'email' ? extractEmailBody(input.text) : input.text;
  const normalized = normalizeText(body);
  const marked = markNegation(tokenize(normalized));
  if (weights.concept > 0) {
    for (const [name, re] of PHRASES) {
      if (re.test(normalized)) push(bag, key('p', name), weights.concept);
    }
  }
  let prev = '^';
  let words = 0;
  for (const t of marked) {
    if (t === '') {
      prev = '|';
      continue;
    }
    words++;
    push(bag, key('w', t), weights.word);
    push(bag, key('b', prev, t), weights.bigram);
    prev = t;
    const negated = t.startsWith('!');
    const bare = negated ? t.slice(1) : t;
    if (weights.char > 0 && isWord(bare)) pushCharGrams(bag, negated ? 'n' : 'c', bare, weights.char);
    const concept = weights.concept > 0 ? conceptOf(bare) : undefined;
    if (concept) push(bag, key(negated ? 'k!' : 'k', concept), weights.concept);
  }
  if (words > 0) push(bag, key('b', prev, '$'), weights.bigram);
  if (input.subject) {
    let sprev = '^';
    const subject = normalizeText(input.subject);
    // "Automatic reply: …", "Undeliverable: …": the subject alone often says it is an auto-reply.
    for (const [name, re] of PHRASES) {
      if (re.test(subject)) push(bag, key('sp', name), weights.subject * 2);
    }
    for (const tok of tokenize(subject)) {
      if (tok.boundary) continue;
      push(bag, key('s', tok.text), weights.subject);
      push(bag, key('sb', sprev, tok.text), weights.subject);
      const concept = conceptOf(tok.text);
      if (concept) push(bag, key('sk', concept), weights.subject);
      sprev = tok.text;
    }
  }
  push(bag, key('ch', input.channel ?? 'none'), weights.meta);
  push(bag, key('len', lengthBucket(words)), weights.meta);
  return bag;
}
