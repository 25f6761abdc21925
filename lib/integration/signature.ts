import { createHmac, timingSafeEqual } from "node:crypto";

/** How far Port's `x-port-timestamp` may be from now: older requests are replays. */
export const MAX_SIGNATURE_AGE_SECONDS = 300;

/**
 * Checks Port's webhook signature: `x-port-signature` is `v1,<base64 HMAC-SHA256 of
 * "<x-port-timestamp>.<raw body>">` keyed with the organization's client secret (Port's
 * "Validating webhook signatures" guide), compared in constant time, and the timestamp must be
 * within {@link MAX_SIGNATURE_AGE_SECONDS}. Hand-written: no published package implements
 * Port's scheme; it is a few lines of node:crypto. Returns the problem, or undefined when valid.
 *
 * @example
 * const problem = portSignatureProblem(secret, body, req.headers["x-port-timestamp"], req.headers["x-port-signature"]);
 * if (problem) return reply(401, problem);
 */
export function portSignatureProblem(
  secret: string,
  body: string,
  timestamp: string | undefined,
  signature: string | undefined,
  nowMs = Date.now(),
): string | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return "x-port-timestamp is missing or not seconds since the epoch";
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS)
    return `x-port-timestamp is more than ${MAX_SIGNATURE_AGE_SECONDS} s away from now (a replay?)`;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  // The header may list several signatures (`v1,abc v1,def`), as during a key rotation.
  const candidates = (signature ?? "")
    .split(/\s+/)
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"));
  const match = candidates.some((c) => c.length === expected.length && timingSafeEqual(c, expected));
  return match ? undefined : "x-port-signature does not match the body: not signed by this Port organization";
}

/** Signs as Port does; for tests and for calling the endpoint by hand. */
export function signLikePort(secret: string, body: string, timestampSeconds: number): Record<string, string> {
  const ts = String(Math.floor(timestampSeconds));
  const sig = createHmac("sha256", secret).update(`${ts}.${body}`).digest("base64");
  return { "x-port-timestamp": ts, "x-port-signature": `v1,${sig}` };
}
