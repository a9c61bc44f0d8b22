import { randomBytes } from 'node:crypto';
import webhooks from 'twilio/lib/webhooks/webhooks.js';

const { getExpectedTwilioSignature } = webhooks as { getExpectedTwilioSignature(token: string, url: string, params: object): string };

/** What a signed form post is made of: the X-Twilio-Signature header and the urlencoded body. */
export type SignedForm = { signature: string; body: string };

/** Signs a form as Twilio does (the twilio package's own algorithm: URL + sorted key/value pairs, HMAC-SHA1). */
export function signForm(authToken: string, url: string, params: Record<string, string>): SignedForm {
  return { signature: getExpectedTwilioSignature(authToken, url, params), body: new URLSearchParams(params).toString() };
}

/** Texts people really send to a business line, in French and English (a few are keywords: STOP, HELP, RAPPEL). */
export const MESSAGE_TEXTS = [
  'Bonjour, je suis intéressé par votre offre. Pouvez-vous me rappeler demain matin ?',
  'Oui',
  'Non merci',
  'STOP',
  'Merci pour votre message, je passerai en agence samedi.',
  "C'est combien pour la livraison à Lyon ?",
  'Rappelez-moi svp après 18h',
  'Je ne suis pas disponible cette semaine, peut-être la semaine prochaine.',
  'Bonsoir, mon colis n’est toujours pas arrivé, numéro de commande 48213.',
  'ok ça marche 👍',
  'Hi, is this still available?',
  'Yes please call me back',
  'No thanks, please remove me from your list',
  'HELP',
  'What are your opening hours on Sunday?',
  'I am interested, send me more details',
  'Can we reschedule to Thursday at 3pm?',
  'Thanks!',
  'Quel est le prix exact TTC ?',
  'Je veux me désinscrire',
];

/** A 14-hex-digit tag unique to one generator: SIDs of two runs never collide. */
function runTag(): string {
  return randomBytes(7).toString('hex');
}

/**
 * Realistic inbound Twilio messages with a distinct MessageSid each (ingest dedups by MessageSid,
 * so a repeated SID would measure the duplicate path). `sms()` is the 20-field form Twilio posts
 * for an SMS; `whatsapp()` the WhatsApp one (ProfileName, WaId, MessageType, …).
 */
export function twilioMessageFactory() {
  const tag = runTag();
  let counter = 0;
  const nextSid = () => `SM${tag}${(counter++).toString(16).padStart(18, '0')}`;
  const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
  const frenchMobile = (n: number) => `+336${String(10_000_000 + ((n * 7919) % 89_999_999)).padStart(8, '0')}`;
  const ukMobile = (n: number) => `+447${String(700_000_000 + ((n * 104_729) % 299_999_999))}`;

  return {
    sms(): Record<string, string> {
      const sid = nextSid();
      const french = counter % 3 !== 0;
      return {
        ToCountry: 'FR', ToState: '', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid, FromState: '',
        SmsStatus: 'received', FromCity: french ? 'PARIS' : 'LONDON', Body: pick(MESSAGE_TEXTS, counter * 7), FromCountry: french ? 'FR' : 'GB',
        To: '+33757000000', ToZip: '', NumSegments: '1', MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef',
        From: french ? frenchMobile(counter) : ukMobile(counter), ApiVersion: '2010-04-01',
      };
    },
    whatsapp(): Record<string, string> {
      const sid = nextSid();
      const phone = frenchMobile(counter + 5);
      return {
        SmsMessageSid: sid, NumMedia: '0', ProfileName: pick(['Camille', 'Julien D.', 'Sarah', 'Tom', 'Léa'], counter), MessageType: 'text',
        SmsSid: sid, WaId: phone.slice(1), SmsStatus: 'received', Body: pick(MESSAGE_TEXTS, counter * 3 + 1), To: 'whatsapp:+14155238886',
        NumSegments: '1', ReferralNumMedia: '0', MessageSid: sid, AccountSid: 'AC0123456789abcdef0123456789abcdef',
        From: `whatsapp:${phone}`, ApiVersion: '2010-04-01',
      };
    },
  };
}
