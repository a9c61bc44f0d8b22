import { MAX_CHARS, stripQuotedReply } from './normalize.ts';

/** A line that is only a sign-off: what follows it is the signature, not the reply. */
const SIGN_OFF = /^[ \t]*(cordialement|bien cordialement|bien [àa] vous|bien [àa] toi|bonne (journ[ée]e|soir[ée]e|fin de journ[ée]e)|sinc[èe]rement|cdlt|slts|salutations( distingu[ée]es)?|merci( beaucoup| d'avance| [àa] vous)?|(best|kind|warm)( regards)?|regards|cheers|thanks( again| in advance)?|thank you|many thanks|sincerely|all the best|best wishes)[ \t]*[,.!]?[ \t]*$/iu;
/** Lines that start the signature block or a footer whatever comes before them. */
const FOOTER = /^[ \t]*(--[ \t]*$|envoy[ée] (de|depuis) mon|sent from my|get outlook for|ce (message|courriel|mail|e-mail) et (ses|toutes les) pi[èe]ces jointes|this (e-?mail|message) and any attachments)/iu;
/** Contact lines of a signature: a phone, a web address, an email address alone. */
const CONTACT_LINE = /^[ \t]*((t[ée]l[ée]?(phone)?|tel|mobile|mob|phone|portable|port|fixe|fax|cell|direct|standard|ligne directe)\b[^\n]{0,6}[:.]?[ \t]*[+(\d]|(\+|00)?[\d][\d .()-]{7,}[ \t]*$|(www\.|https?:\/\/)\S+[ \t]*$|[\w.+-]+@[\w-]+\.[\w.]+[ \t]*$)/iu;
/** A line that is only a person's name ("Julie Martin", "J. Martin"). */
const NAME_LINE = /^[ \t]*\p{Lu}[\p{L}'.-]*([ \t]+\p{Lu}[\p{L}'.-]*){1,2}[ \t]*$/u;

/** A first line that is only a greeting ("Bonjour,", "Hi team,", "Madame, Monsieur,"). */
const GREETING = /^[ \t]*(bonjour|bonsoir|salut|coucou|hello|hi|hey|dear|madame|monsieur|cher|ch[èe]re)([ \t,]+[\p{L}'-]+){0,3}[ \t]*[,:!]?[ \t]*$/iu;

/**
 * The words the sender wrote in an email reply: the quoted original is dropped (as before), then
 * a first line that is only a greeting, and everything from the sign-off or signature marker on.
 * Signatures carry phone numbers and job titles that look like a callback or an offer; quoted
 * campaigns carry "STOP" and unsubscribe links. Works line by line (linear in the text's length);
 * keeps the text as it was when nothing would be left.
 */
export function extractEmailBody(text: string): string {
  // Only the start of a reply is read (MAX_CHARS), so a huge email is cut before any matching.
  const cut = text.length > 4 * MAX_CHARS ? text.slice(0, 4 * MAX_CHARS) : text;
  const lines = stripQuotedReply(cut).split('\n');
  let start = 0;
  while (start < lines.length && lines[start]!.trim() === '') start++;
  if (GREETING.test(lines[start] ?? '') && lines.slice(start + 1).some((l) => l.trim() !== '')) start++;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    // A signature without a sign-off: a name line followed by a contact line or nothing, or a contact line.
    const next = lines.slice(i + 1).find((l) => l.trim() !== '');
    const nameThenContact = NAME_LINE.test(line) && (next === undefined || CONTACT_LINE.test(next) || (lines[i + 2] !== undefined && CONTACT_LINE.test(lines[i + 2]!)));
    if (FOOTER.test(line) || SIGN_OFF.test(line) || CONTACT_LINE.test(line) || nameThenContact) {
      end = i;
      break;
    }
  }
  const body = lines.slice(start, end).join('\n').trim();
  return body || cut;
}
