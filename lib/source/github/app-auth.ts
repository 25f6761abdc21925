import { createPrivateKey, type KeyObject, sign } from "node:crypto";

/**
 * Reads a PEM private key as people paste it into environment variables: with real line
 * breaks, with `\n` escapes, or base64-encoded whole.
 *
 * @throws {Error} without the key in its message when it is not a readable private key.
 */
export function readPrivateKey(raw: string): KeyObject {
  let pem = raw.trim().replace(/\\n/g, "\n");
  if (!pem.includes("-----BEGIN")) pem = Buffer.from(pem, "base64").toString("utf8");
  try {
    return createPrivateKey(pem);
  } catch {
    throw new Error("not a readable PEM private key (PKCS#1 or PKCS#8)");
  }
}

/**
 * The short-lived JWT a GitHub App signs to ask for installation tokens (RS256). `iat` is
 * backdated a minute against clock drift and the lifetime stays under GitHub's 10-minute cap.
 *
 * @example
 * const jwt = createAppJwt({ appId: "12345", privateKey: readPrivateKey(process.env.GITHUB_APP_PRIVATE_KEY) });
 */
export function createAppJwt(options: { appId: string; privateKey: KeyObject; now?: number }): string {
  const seconds = Math.floor((options.now ?? Date.now()) / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = encode({ alg: "RS256", typ: "JWT" });
  const payload = encode({ iat: seconds - 60, exp: seconds + 540, iss: options.appId });
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), options.privateKey);
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

/**
 * The installation-token cache given to `@octokit/auth-app`, read on the client's clock: a
 * token is handed out only while it has more than `refreshBeforeExpiryMs` (default 5 minutes,
 * at most half its lifetime) left, so a fresh one is fetched before it expires, never after.
 * `drop()` forgets every token, e.g. after GitHub answered 401 to one (revoked).
 */
export function appTokenCache(clock: { now(): number }, refreshBeforeExpiryMs = 300_000) {
  const entries = new Map<string, { value: string; issuedAt: number; expiresAt: number }>();
  return {
    get(key: string): string | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const margin = Math.min(refreshBeforeExpiryMs, (entry.expiresAt - entry.issuedAt) / 2);
      if (clock.now() < entry.expiresAt - margin) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key: string, value: string): void {
      // auth-app stores "token|createdAt|expiresAt|…"; the lifetime counts from when we got it.
      const expiresAt = Date.parse(value.split("|")[2] ?? "");
      const issuedAt = clock.now();
      entries.set(key, { value, issuedAt, expiresAt: Number.isNaN(expiresAt) ? issuedAt : expiresAt });
    },
    drop(): void {
      entries.clear();
    },
  };
}
