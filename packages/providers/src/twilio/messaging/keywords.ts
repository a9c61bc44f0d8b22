/** Keyword → auto-reply text, answered in the TwiML of the same response. */
export type KeywordReplies = Record<string, string>;

/** The seed's service keywords; a KEYWORDS_FILE (JSON object) replaces them. */
export const DEFAULT_KEYWORD_REPLIES: KeywordReplies = {
  INFO: 'Merci pour votre message. Retrouvez toutes nos informations sur notre site ou répondez AIDE pour être recontacté.',
  HORAIRES: 'Nous sommes ouverts du lundi au vendredi de 9h à 18h, et le samedi de 9h à 12h.',
  CONTACT: 'Vous pouvez nous joindre par téléphone aux heures d’ouverture ou répondre à ce message : un conseiller vous répondra.',
  AIDE: 'Besoin d’aide ? Un conseiller va vous recontacter. Répondez STOP pour ne plus recevoir de messages.',
};

/** Upper-case, accents stripped, surrounding spaces and punctuation dropped: how a keyword is compared. */
export function keywordKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .toUpperCase();
}

/** A lookup that matches a whole message against the configured keywords. */
export function keywordMatcher(replies: KeywordReplies): (body: string) => string | undefined {
  const table = new Map(Object.entries(replies).map(([keyword, reply]) => [keywordKey(keyword), reply]));
  return (body) => (body.length > 40 ? undefined : table.get(keywordKey(body)));
}
