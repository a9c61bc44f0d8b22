// Prints the Authorization header Vonage would send with this JSON body (a JWT, HS256 with
// VONAGE_SIGNATURE_SECRET, payload_hash of the body, iat now):   node scripts/sign-vonage.ts '<json>'
import { vonageWebhookToken } from '@switchboard/testing';

const [body] = process.argv.slice(2);
const secret = process.env.VONAGE_SIGNATURE_SECRET;
if (body === undefined || !secret) {
  console.error("usage: VONAGE_SIGNATURE_SECRET=… node scripts/sign-vonage.ts '<json body, exactly as it will be posted>'");
  process.exit(2);
}
console.log(`Bearer ${vonageWebhookToken(secret, body)}`);
