import { extractEmailBody } from './email-body.ts';
import { MAX_CHARS } from './normalize.ts';
import type { ClassifyInput } from './types.ts';

/**
 * The opt-out stage (INTENTS.md rule 2): hand-written FR/EN patterns that run before the model and
 * favour recall, because a missed opt-out keeps sending campaigns to someone who said stop.
 *
 * Patterns read the text lower-cased, without accents, with repeated letters squeezed ("arrêtez"
 * is "aretez", "supprimez" is "suprimez", "off" is "of"), so spellings and typos meet. Each rule is
 * named so that the eval and the tests can say which one fired.
 */
/** Patterns are written in plain spelling and squeezed like the text they read ("supprimez" becomes "suprimez"). */
function rx(source: string): RegExp {
  return new RegExp(source.replace(/(\p{L})\1+/gu, '$1'), 'u');
}

const RULES: readonly (readonly [string, RegExp])[] = [
  // The keywords as a clause of their own: "Stop svp", "vous avez pas compris ? STOP", "mauvais numéro, arrêtez".
  ['stop-clause', rx(String.raw`(^|[.!?,;:\n]|\bet\b|\band\b)\s*(stop+|stp stop|aret(e|ez)?|halte|cesez|fin des (mesages|sms|envois)|enough|unsubscribe|opt-?out|optout)(\s*(,\s*)?(svp|stp|merci|please|pls|plz|now|maintenant|tout de suite|imediatement|deja|again|al|bye|tout|!+|[\p{Extended_Pictographic}\u{fe0f}\u{200d}]+))*\s*([.!?,;:\n]|$)`)],
  // Stop + what is sent: "stop les messages", "arrêtez de m'écrire", "stop texting me", "quit sending".
  ['stop-sending', rx(String.raw`\b(stop+|stpo|sotp|aret\w*|cese[zr]?|quit|halte)\s+(\w+\s+){0,3}?(sms|mesages?|msgs?|mails?|e-?mails?|pubs?|publicites?|textos?|texts?|texting|txting|mesaging|sending|emailing|envois?|envoyer|m'envoyer|spam\w*|ecrire|m'ecrire|contacter|me contacter|harceler|me harceler|notifs?|notifications?|newsleters?|whatsap|promos?|campagnes?|contacting|bothering|harasing|recevoir|receiving)\b|\bstop+\s+(it|this|these|that|now)\b(?!\s+(subscription|plan|ofer|contract))`)],
  // "ça fait 3 fois que je dis stop", "I've asked you to stop twice".
  ['said-stop', rx(String.raw`\b(dis|dit|dire|said|say|saying|repete|asked\s+(you\s+|u\s+)?to|demande\s+d')\s*(stop|d'areter|to\s+stop|areter)\b`)],
  ['be-removed', rx(String.raw`\b(be|get)\s+(removed|taken\s+of|deleted|unsubscribed)\s+(from|of)\b|\b(i|me|we)\s+(want|wish|would\s+like|like|need)\s+to\s+be\s+(removed|unsubscribed|deleted)\b|\b(i|me|we)\s+be\s+(removed|unsubscribed)\b|\betre\s+(retire|enleve|desinscrit|raye|supprime)e?s?\s*($|[.!?,]|de\s|des\s|du\s|svp|merci)|\b(do\s+not|dont|don't|no\s+longer)\s+(want|wish)\s+to\s+be\s+(contacted|texted|emailed|messaged|called\s+or\s+texted)|\bne\s+(plus|pas)\s+etre\s+(contacte|solicite|derange|harcele)|\b(le|la|me|m')\s*(supprim|effac|retir|enlev|desinscri|ray)er\s+(de|des)\s+(vos|votre|la|ce|cette|tous?)\b`)],
  // Unsubscribe vocabulary.
  ['unsubscribe', rx(String.raw`\b(unsub\w*|opt[- ]?(me |us )?out\b|optout|desinscri\w*|desincri\w*|desabon\w*|desabone\w*|deinscri\w*|desincription)`)],
  // Removal of the person or their details: "enlevez-moi", "retirez mon numéro", "supprimez mes données", "effacez-le".
  ['remove-fr', rx(String.raw`\b((enlev|retir|suprim|efac|sort|ray|vir|oubli)(ez|er|e)[- ]moi\b|me (retir|enlev|suprim|desinscri|efac|ray|sort)(er|ez)\b|etre (retire|enleve|suprime|raye|desinscrit|efface)|(enlev|retir|suprim|efac|ray|oubli)\w*\s+(mon|mes|ce|cet|cete|le|mon propre)\s+(numero|num|0[67]|portable|adrese|adr|mail|email|e-mail|coordonees|donees|infos|informations|contact|nom|fiche|telephone|tel)\b|(enlev|retir|suprim|efac|ray)ez[- ](le|la|les)\s*($|[.!,;?]|svp|stp|merci|imediatement|tout de suite|de (vos|votre|la|cete|ce)))`)],
  ['remove-en', rx(String.raw`\b((remove|delete|erase|wipe|scrub)\w*\s+(me|us|my|this|our|mon|mes|ma)\b|take\s+(me|us|my\s+\w+(\s+\w+)?|this\s+(number|nbr|adres|email))\s+of\b|lose\s+(my|this|our)\s+(number|nbr|email|adres|contact|details)|(block)\w*\s+(this|my)\s+(number|nbr)|get\s+(me\s+)?of\s+(this|your|the|ur)\s+(list|database|mailing))`)],
  // "Where did you get my number? Delete it."
  ['number-then-delete', rx(String.raw`\b(numero|num|0[67]|number|nbr|details|data|donees|coordonees|email|adrese?)\b[\s\S]{0,80}\b((delete|remove|erase|lose|wipe)\s+(it|them|that)|(efac|suprim|retir|enlev)(ez|er)[- ](le|la|les)|(efac|suprim|retir|enlev)(ez|er)\s+(mon|mes|ce|ces))`)],
  // No more messages: "plus de sms", "pas de pub", "no more texts", "ne m'envoyez plus", "je veux plus recevoir".
  ['no-more', rx(String.raw`\b(fin\s+des\s+(mesages|sms|envois|pubs|mails)|(plus|pas|aucun\w*)\s+(de|d'|d)\s*(sms|mesages?|msgs?|mails?|e-?mails?|pubs?|publicites?|textos?|spam|notifs?|notifications?|newsleters?|promos?|campagnes?|envois)\b|no\s+more\s+(\w+\s+)?(texts?|mesages?|msgs?|emails?|mails?|sms|spam|ads|promos?|notifications?|whatsaps?)\b|no\s+(texts?|sms|spam|mesages?)\s+(please|pls|plz|thanks|thx|thank)|ne\s+(m'|me\s+|nous\s+)?(envoy|ecri|contact|spam|solicit|derang|harcel|ajout|texto)\w*\s+plus\b|n'?(envoyez|ecrivez|contactez)\s+plus\b|ne\s+plus\s+(me\s+|m'|nous\s+)?(envoy|ecri|contact|recev|harcel|solicit|derang|ajout)\w*|(veu[xt]|voudrais|souhait\w*|desir\w*)\s+plus\s+(recevoir|rien|etre\s+(contact|solicit|derang|harcel)\w*|de\s+(vos|tes|ces|votre)|d'?\s*(sms|mesages?|mails?|pubs?)|de\s+(sms|mesages?|mails?|pubs?|textos?)))`)],
  ['dont-contact', rx(String.raw`\b((do\s+not|dont|don't|never|pls\s+dont)\s+(ever\s+)?(text|txt|mesage|email|e-mail|contact|send|spam|write|harass|whatsap)\w*(\s+(me|us|this|to\s+this))?(\s+(again|anymore|ever))?\b|(no\s+longer|don'?t|do\s+not|dont)\s+(want|wish|need)\s+(to\s+(receive|get|hear)|(these|your|any|those)\s+(\w+\s+)?(texts?|mesages?|emails?|sms|ofers?|promos?|spam))|stop\s+(receiving|geting)\s+(these|this|your|them|texts?|mesages?|emails?|the)|(leave|let)\s+me\s+alone|(fuck|piss|bugger)\s+of|enough\s+(with\s+)?(the\s+|your\s+|these\s+)?(mesages?|texts?|emails?|spam|sms)|(withdraw|revoke)\w*\s+(my\s+)?consent|harasment|harasing|harcel\w*)`)],
  ['leave-alone-fr', rx(String.raw`\b(laisez[- ]moi\s+tranquil\w*|lachez[- ]moi|fichez[- ]moi\s+la\s+paix|foutez[- ]moi\s+la\s+paix|ca\s+sufit\s+(les|vos|ces)\s+(mesages|sms|mails|pubs)|(que|pour que)\s+(ca|sa)\s+s'?arete|je\s+(quite|me\s+retire)\s+(la\s+liste|le\s+groupe|ce\s+groupe|vos\s+listes)|(anul|resili|cancel)\w*\s+(mon\s+|my\s+|mes\s+|the\s+)?(subscription|abonement|inscription)s?\s+(to|aux?|a|from)\s+(your\s+|ur\s+|vos\s+|the\s+|les\s+|des\s+)?(texts?|sms|mesages?|emails?|mails?|newsleters?|alerts?|alertes?|notifications?|promos?|ofres))`)],
  // Leaving the list: "je veux quitter cette liste", "please cease all communication".
  ['leave-list', rx(String.raw`\b(quit(ter|te|er)?|leave|sortir\s+de|get\s+out\s+of)\s+(cette|la|vos|votre|ce|this|the|your|ur)\s+(liste|list|groupe|group|fichier|mailing\w*|base)|\b(cease|cesser|cessez)\s+(all\s+|tout\s+|toute\s+|les\s+|vos\s+)?(comunications?|contacts?|envois?|mesages?|messages?|solicitations?|emails?|mails?)`)],
  // Data erasure (RGPD/GDPR).
  ['erasure', rx(String.raw`\b(rgpd|gdpr|droit\s+(a\s+l'|a\s+l\s|de\s+l')?\s*(oubli|efacement)|right\s+to\s+(be\s+forgoten|erasure)|(suprim|efac|delete|erase)\w*\s+(\w+\s+){0,3}(donees|data|personal|personeles|coordonees|details))`)],
  // How do I get out: "how can I opt out?", "comment ne plus recevoir", "is there a way to stop these".
  ['how-to-stop', rx(String.raw`\b(how\s+(do|can|could|to)\s+(i\s+|we\s+)?(stop\s+(these|this|them|receiving|geting|your|the\s+(texts?|mesages?|emails?|sms|spam|notifications?))|stop\s*($|[?!.])|unsubscribe|opt\s*out|get\s+of|be\s+removed|remove\s+(me|my|myself))|comment\s+(\w+\s+){0,4}?(ne\s+plus|plus\s+recevoir|me\s+retirer|etre\s+retire)|way\s+to\s+(stop|unsubscribe|opt))`)],
];

/**
 * What keeps a flagged message out of opt_out: a STOP sent by mistake with a request to stay (rule 1),
 * and a partial stop that redirects to another channel or asks for the offer (rule 3).
 */
const STAY = rx(String.raw`\b((please\s+|pls\s+)?(don'?t|do\s+not|dont)\s+(unsubscribe|remove|delete)\s+me|(want|veux|voudrais|souhaite)\s+(\w+\s+){0,2}(your\s+|vos\s+)?(ofers|ofres|promos|deals|bons\s+plans|mesages|sms|newsleter)\s+(again|de\s+nouveau|a\s+nouveau)|de\s+nouveau\s+(vos|les)\s+(ofres|promos|sms|mesages)|ne\s+(veux|souhaite|voulais)\s+pas\s+(me\s+)?(desinscri|desabon|etre\s+(retire|desinscrit))\w*|c'?etait\s+une\s+ereur|was\s+a\s+mistake|(don'?t|do\s+not|didn'?t)\s+(want|mean)\s+to\s+(unsubscribe|opt\s*out|be\s+removed|stop)|by\s+mistake|mistakenly|acident\w*|par\s+ereur|sans\s+(le\s+)?faire\s+expres|put\s+me\s+back|add\s+me\s+back|keep\s+me|gardez[- ]moi|garde[- ]moi|remet\w*[- ]moi|reinscri\w*|reabon\w*|re-?subscri\w*|opt\w*\s+back\s+in|unstop|ne\s+me\s+(retirez|desinscri\w*|enlevez|suprimez)\s+pas|don'?t\s+remove\s+me|do\s+not\s+remove\s+me)`);
const REDIRECT = rx(String.raw`\b(plutot|instead|a\s+la\s+place|uniquement\s+par|seulement\s+par|only\s+(by|via|on|through)|prefere?\w*\s+(par|by|les|un)|envoyez[- ](moi\s+)?(plutot\s+)?(un\s+|par\s+|l'|la\s+|les\s+)?(mail|email|brochure|ofre|doc|infos?|details|devis|sms|courier|whatsap)|send\s+(me\s+)?(an?\s+|the\s+)?(email|mail|brochure|ofer|details|info|quote))`);

/**
 * An instruction to send STOP ("Reply STOP to unsubscribe", "envoyez STOP") is an auto-responder's
 * or a campaign's footer, not a request (rule 9): such a message goes to the model.
 */
const INSTRUCTION = rx(String.raw`\b(reply|text|send|envoyez|repondez|tapez|envoyer|repondre|taper)\s+["«“]?\s*(stop|arret)\b|pour\s+ne\s+plus\s+recevoir\s+(nos|de\s+nos)\b|to\s+(unsubscribe|opt\s*out)\s+(from\s+(our|these|this)\s+\w+\s*)?,?\s*(click|reply|text|use)\b|pour\s+vous\s+(desinscrire|desabonner)\s*,?\s*(cliquez|utilisez|repondez|envoyez|rendez)|\b(unsubscribe|desinscription)\s+(link|lien)\b|\b(lien|link)\s+(de|to|pour)\s+(desinscription|unsubscribe|vous\s+desinscrire)`);

/**
 * "Can I unsubscribe anytime?" asks about the offer's terms (rule 1's "Est-ce que je pourrai
 * arrêter l'abonnement quand je veux ?"): unsubscribe words with "anytime" are left to the model.
 */
const TERMS = rx(String.raw`\b(anytime|any\s+time|at\s+any\s+time|whenever|quand\s+(je|on|vous)\s+(veu\w*|voudr\w*)|a\s+tout\s+moment|n'importe\s+quand|facilement|easily|later\s+on|if\s+i\s+(subscribe|sign|join)|si\s+je\s+(m'abone|souscri|m'inscri|signe))\b`);
const TERMS_RULES: ReadonlySet<string> = new Set(['unsubscribe', 'how-to-stop', 'stop-sending']);

/** Text in the form the rules read. */
function canonical(text: string): string {
  return text
    .slice(0, MAX_CHARS)
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[’‘`´]/g, "'")
    .replace(/(\p{L})\1+/gu, '$1')
    .replace(/[ \t]+/g, ' ');
}

/** Words that only soften or greet around a keyword ("Bonjour STOP svp merci", "please stop, thanks"). */
const FILLER: ReadonlySet<string> = new Set(
  `bonjour bonsoir salut coucou re bjr slt hello hi hey yo dear team sir madam madame monsieur or there good morning evening
  please pls plz plse svp stp s'il sil vous te plait plais merci mci thanks thank thx tx ty you u bye au revoir bonne journee soiree
  a à la nice day have cheers ok now maintenant again encore tout de suite deja already vraiment really all et and just svpl
  immediatement immediately asap many d'avance avance votre retour pour`.split(/\s+/).map((w) => w.replace(/(\p{L})\1+/gu, '$1')),
);
/** Stop words that, with only fillers around them, are a request to stop (near variants and common typos included). */
const STOP_WORDS: ReadonlySet<string> = new Set(['stop', 'stopp', 'stopall', 'stpo', 'sotp', 'stopo', 'arret', 'arete', 'aretez', 'aret', 'arert', 'arte', 'cancel', 'end', 'quit', 'unsubscribe', 'unsub', 'optout', 'opt-out', 'remove', 'halte', 'desinscription', 'desabonement', 'fin'].map((w) => w.replace(/(\p{L})\1+/gu, '$1')));

/** Is the message a stop word with only greetings and politeness around it? */
function isPoliteStop(s: string): boolean {
  const words = s.split(/[^\p{L}\p{N}'-]+/u).filter(Boolean);
  if (words.length === 0 || words.length > 12) return false;
  let stops = 0;
  for (const w of words) {
    if (STOP_WORDS.has(w)) stops++;
    else if (!FILLER.has(w)) return false;
  }
  return stops > 0;
}

/**
 * The stage's verdict: `rule` names the pattern that fired. `cleared` says why a message that
 * looked like a stop is not one (a STOP sent by mistake, a partial stop that redirects, an
 * auto-responder's footer, a question about the terms): the classifier then does not answer opt_out.
 */
export type OptOutVerdict = { flagged: true; rule: string } | { flagged: false; cleared?: 'stay' | 'redirect' | 'instruction' | 'terms' };

/**
 * Does this reply ask for no more contact? Email replies are read without their quoted campaign,
 * greeting and signature (a quoted "reply STOP to unsubscribe" is not the sender's words).
 * Pure and fast (a few regular expressions over at most MAX_CHARS characters).
 */
export function detectOptOut(input: ClassifyInput): OptOutVerdict {
  const body = input.channel === 'email' ? extractEmailBody(input.text) : input.text;
  const s = canonical(body);
  if (STAY.test(s)) return { flagged: false, cleared: 'stay' };
  if (isPoliteStop(s)) return { flagged: true, rule: 'polite-stop' };
  for (const [rule, re] of RULES) {
    if (!re.test(s)) continue;
    if (INSTRUCTION.test(s)) return { flagged: false, cleared: 'instruction' };
    if (REDIRECT.test(s)) return { flagged: false, cleared: 'redirect' };
    if (TERMS_RULES.has(rule) && TERMS.test(s)) return { flagged: false, cleared: 'terms' };
    return { flagged: true, rule };
  }
  return { flagged: false };
}
