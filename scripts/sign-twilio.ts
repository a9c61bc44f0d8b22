// Prints the X-Twilio-Signature Twilio would send for a form POST to <url> with these fields,
// signed with TWILIO_AUTH_TOKEN:   node scripts/sign-twilio.ts <url> Key=Value [Key=Value…]
import { twilioSignature } from '@switchboard/providers';

const [url, ...pairs] = process.argv.slice(2);
const token = process.env.TWILIO_AUTH_TOKEN;
if (!url || !token) {
  console.error('usage: TWILIO_AUTH_TOKEN=… node scripts/sign-twilio.ts <url> Key=Value [Key=Value…]');
  process.exit(2);
}
const params: Record<string, string> = {};
for (const pair of pairs) {
  const eq = pair.indexOf('=');
  if (eq <= 0) {
    console.error(`not a Key=Value pair: ${pair}`);
    process.exit(2);
  }
  params[pair.slice(0, eq)] = pair.slice(eq + 1);
}
console.log(twilioSignature(token, url, params));
