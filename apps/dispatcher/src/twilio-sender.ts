import { fillTemplate } from '@switchboard/campaigns';
import type { ClaimedSend } from '@switchboard/db';
import type { ChannelSender } from './send.processor.ts';
import type { TwilioClient } from './twilio-client.ts';

/** How far back of a claim a listed Twilio message still counts as ours: Twilio's dates have whole seconds, and clocks drift. */
const CLAIM_SKEW_MS = 5_000;

export type TwilioSenderOptions = {
  twilio: TwilioClient;
  /** TWILIO_FROM: a number (`+…`) or a Messaging Service SID (`MG…`). */
  from: string;
  /** PUBLIC_URL + the ingest's status route. */
  statusCallbackUrl: string;
};

/**
 * SMS and WhatsApp through Twilio's Messages API. Reconciliation lists Twilio's messages to that
 * number since the claim and adopts a match (same recipient, sender and body).
 */
export function createTwilioSender(options: TwilioSenderOptions): ChannelSender {
  const { twilio, from: sender } = options;
  const whatsapp = (address: string, channel: ClaimedSend['channel']) => (channel === 'whatsapp' && !/^MG/i.test(address) ? `whatsapp:${address.replace(/^whatsapp:/i, '')}` : address);
  const bodyOf = (send: ClaimedSend) => fillTemplate(send.body, { address: send.recipient, variables: send.variables });
  return {
    provider: 'Twilio',
    async send(send) {
      const answer = await twilio.createMessage({ to: whatsapp(send.recipient, send.channel), from: whatsapp(sender, send.channel), body: bodyOf(send), statusCallback: options.statusCallbackUrl });
      return { status: answer.status, id: answer.sid, code: answer.code ?? null, message: answer.message, retryAfter: answer.retryAfter };
    },
    async reconcile(send) {
      const to = whatsapp(send.recipient, send.channel);
      const viaService = /^MG/i.test(sender);
      const from = whatsapp(sender, send.channel);
      const body = bodyOf(send);
      const listed = await twilio.listMessagesSince(viaService ? { to } : { to, from }, new Date(send.claimedAt.getTime() - CLAIM_SKEW_MS));
      const match = listed
        .filter((m) => m.body === body && (viaService ? m.messagingServiceSid === sender : m.from === from))
        .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())[0];
      return match?.sid;
    },
  };
}
