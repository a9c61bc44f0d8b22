// `npm run send:sms -- "message text" [+33612345678]`: posts an inbound SMS to the local ingest,
// signed with TWILIO_AUTH_TOKEN exactly as Twilio signs it, and prints the answer.
import { randomBytes } from 'node:crypto';
import { loadConfigOrExit } from '@switchboard/config';
import { twilioSignature } from '@switchboard/providers';

const config = loadConfigOrExit(process.env, 'cli');
const [body = 'Bonjour, je suis intéressé !', from = '+33612345678'] = process.argv.slice(2);
if (!config.twilio.authToken) {
  console.error('TWILIO_AUTH_TOKEN is not set: the gateway refuses unsigned Twilio traffic (503).');
  process.exit(2);
}
const base = config.publicUrl ?? `http://${config.ingest.host}:${config.ingest.port}`;
const url = `${base}/webhooks/twilio/messages`;
const sid = `SM${randomBytes(16).toString('hex')}`;
const params = { MessageSid: sid, SmsSid: sid, AccountSid: config.twilio.accountSid ?? `AC${'0'.repeat(32)}`, From: from, To: '+33757000000', Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01' };
const response = await fetch(`http://${config.ingest.host}:${config.ingest.port}/webhooks/twilio/messages`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(config.twilio.authToken, url, params) },
  body: new URLSearchParams(params).toString(),
});
console.log(`${response.status} ${await response.text()}`);
console.log(`MessageSid ${sid}`);
