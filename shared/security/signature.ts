/**
 * Signed producer webhooks (after Stripe's and Slack's schemes): the producer sends
 * `X-Sentinel-Timestamp: <unix seconds>` and `X-Sentinel-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 * Binding the timestamp into the MAC and refusing it outside a tolerance window stops replays of captured requests;
 * accepting any of the producer's active secrets lets a secret rotate without a gap. Time comes in as an argument.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;
export const SIGNATURE_SCHEME = 'v1';
/** A SHA-256 digest as hex: the only form a signature's value may take. */
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

export type SignatureFailure = 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';
export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: SignatureFailure };

/** The header value a producer sends for `rawBody` at `timestamp` (unix seconds, as text). */
export function signatureOf(secret: string, timestamp: string, rawBody: string): string {
  return `${SIGNATURE_SCHEME}=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * Whether the request is signed by one of `secrets` within the tolerance. Invariant: comparisons are constant-time
 * in the signature's content (timingSafeEqual on equal-length digests), so timing reveals nothing about a near miss;
 * any failure says only which check failed, never what was expected.
 */
export function verifySignature(
  request: { timestamp: string | undefined; signature: string | undefined; rawBody: string },
  secrets: readonly string[],
  nowMs: number,
): Verification {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'stale_timestamp' };
  // Exactly 64 hex digits: Node's hex decoder stops at the first character that is not one (and drops an odd last
  // digit), so without this a valid signature followed by anything at all would still verify.
  const offered = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1))
    .filter((hex) => HEX_DIGEST.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
    // Every candidate is compared (no early exit), so the time taken does not depend on which one matched.
    for (const candidate of offered) if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
