import { escapeHtml, fillTemplate } from '@switchboard/campaigns';
import type { ClaimedSend } from '@switchboard/db';
import { unsubscribeToken } from '@switchboard/providers';
import { bareMessageId, type MailgunClient } from './mailgun-client.ts';
import type { ChannelSender } from './send.processor.ts';

/** Mailgun's event timestamps and ours may drift: a reconciliation looks this far before the claim. */
const CLAIM_SKEW_MS = 60_000;

export type MailgunSenderOptions = {
  mailgun: MailgunClient;
  /** MAILGUN_DOMAIN: the sending domain, also the right-hand side of our Message-Ids. */
  domain: string;
  /** MAILGUN_FROM, e.g. `Acme <news@mg.example.com>`. */
  from: string;
  /** PUBLIC_URL + `/webhooks/unsubscribe/`: the one-click link's base. */
  unsubscribeUrl: string;
  /** UNSUBSCRIBE_SECRET: signs the links. */
  unsubscribeSecret: string;
};

/**
 * The Message-Id of one send of a campaign message: chosen by us, not by Mailgun, so a run that
 * finds its claim unsettled knows which id to look for in Mailgun's events, and a reply's
 * In-Reply-To names the message without a lookup table.
 */
export function emailMessageId(send: Pick<ClaimedSend, 'id' | 'retries'>, domain: string): string {
  return `${send.id}.${send.retries}@${domain}`;
}

/** The address inside MAILGUN_FROM (`Name <a@b>` or `a@b`). */
function fromAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

/**
 * Campaign emails through Mailgun: text and optional HTML filled from the recipient's variables
 * (HTML-escaped in the HTML part), `v:` variables naming the campaign and message, and
 * List-Unsubscribe with a mailto and a one-click URL (RFC 8058; Gmail and Yahoo require both
 * headers from bulk senders).
 */
export function createMailgunSender(options: MailgunSenderOptions): ChannelSender {
  const replyTo = fromAddress(options.from);
  return {
    provider: 'Mailgun',
    async send(send) {
      const recipient = { address: send.recipient, variables: send.variables };
      const token = unsubscribeToken(options.unsubscribeSecret, send.id);
      const messageId = emailMessageId(send, options.domain);
      const answer = await options.mailgun.send({
        from: options.from,
        to: send.recipient,
        subject: fillTemplate(send.subject ?? '', recipient),
        text: fillTemplate(send.body, recipient),
        ...(send.html ? { html: fillTemplate(send.html, recipient, escapeHtml) } : {}),
        headers: {
          'Message-Id': `<${messageId}>`,
          // The mailto reaches the sender's address; a Mailgun route forwarding it to ingest makes it an opt-out reply.
          'List-Unsubscribe': `<mailto:${replyTo}?subject=unsubscribe&body=unsubscribe>, <${options.unsubscribeUrl}${token}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        variables: { campaignId: send.campaignId, campaignMessageId: send.id },
      });
      // Mailgun keeps a Message-Id given in `h:Message-Id`; its answer names it (`<…>`).
      return { status: answer.status, id: answer.id ? bareMessageId(answer.id) : answer.status && answer.status < 300 ? messageId : undefined, code: null, message: answer.message };
    },
    async reconcile(send) {
      return options.mailgun.findAccepted(emailMessageId(send, options.domain), new Date(send.claimedAt.getTime() - CLAIM_SKEW_MS));
    },
  };
}
