/**
 * Vonage Messages API (https://developer.vonage.com/en/messages/overview): inbound SMS and
 * WhatsApp messages and their statuses, signed with a JWT (HS256, the signature secret).
 * Verification in `signature.ts`, the body's schema and addresses in `payload.ts`, one provider
 * per route (`inbound.ts`, `status.ts`), their paths in `routes.ts`. Configuration:
 * `VONAGE_*` in @switchboard/config (`config.vonage`).
 */
export { vonageInbound, normalizeVonageInbound } from './inbound.ts';
export type { VonageInboundFields } from './inbound.ts';
export { vonageStatus, normalizeVonageStatus, vonageErrorCode, VONAGE_STATUS_MAP } from './status.ts';
export type { VonageStatusFields } from './status.ts';
export { verifyVonageRequest, verifyVonageToken, vonagePayloadHash, VONAGE_MAX_AGE_SEC, VONAGE_FUTURE_SKEW_SEC } from './signature.ts';
export type { VonageClaims, VonageTokenCheck } from './signature.ts';
export { vonageAddress, VONAGE_CHANNELS, VONAGE_STATUSES } from './payload.ts';
export type { VonageSecrets } from './common.ts';
