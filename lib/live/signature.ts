import { verify } from "@octokit/webhooks-methods";
import { SignatureError } from "./errors.ts";

/**
 * Checks GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the webhook secret),
 * in constant time (`@octokit/webhooks-methods`). Throws {@link SignatureError} when the
 * signature is missing or wrong; the secret never appears in the message.
 *
 * @example
 * await verifySignature(process.env.GITHUB_WEBHOOK_SECRET, rawBody, headers["x-hub-signature-256"]);
 */
export async function verifySignature(secret: string, body: string, signature: string | undefined) {
  if (!signature) throw new SignatureError("X-Hub-Signature-256 is missing: the delivery is not signed");
  if (!signature.startsWith("sha256=")) throw new SignatureError("X-Hub-Signature-256 must be sha256=<hex>");
  let valid: boolean;
  try {
    valid = await verify(secret, body, signature);
  } catch {
    valid = false;
  }
  if (!valid)
    throw new SignatureError(
      "X-Hub-Signature-256 does not match the body: check GITHUB_WEBHOOK_SECRET against the webhook's secret",
    );
}
