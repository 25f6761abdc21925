import { createHmac } from "node:crypto";

/**
 * What the path is derived from, besides the integration id. Versioned: a new scheme takes a
 * new label, so it can never collide with a path an older Tide registered.
 */
const RESYNC_PATH_LABEL = "tide/resync-path/v1/";

/**
 * The secret last segment of a deployed Tide's resync webhook (`POST <ResyncUrl>resync/<this>`,
 * Port's changelog destination): HMAC-SHA256 keyed with Port's client secret over
 * `tide/resync-path/v1/<integrationId>`, base64url without padding (43 characters).
 *
 * Why derived rather than generated: the stack then keeps a single Secrets Manager secret (the
 * operator's credentials document, which a generated key inside would not survive), and the
 * fanout, which reads the client secret anyway, needs no second read. The HMAC is one-way, so a
 * leaked URL tells nothing about the client secret; it is bound to the integration id, so two
 * integrations of one Port organization have different URLs; and it changes when the client
 * secret is rotated (the next run registers the new URL with Port).
 *
 * @example
 * const path = resyncPathSecret(settings.PORT_CLIENT_SECRET, "tide-github"); // "q3X…" (43 chars)
 * const url = `${functionUrl}resync/${path}`;
 */
export function resyncPathSecret(clientSecret: string, integrationId: string): string {
  if (!clientSecret) throw new Error("the resync path needs Port's client secret, and it is empty");
  if (!integrationId) throw new Error("the resync path needs the integration id, and it is empty");
  return createHmac("sha256", clientSecret)
    .update(`${RESYNC_PATH_LABEL}${integrationId}`)
    .digest("base64url");
}
