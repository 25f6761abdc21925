import { randomBytes } from "node:crypto";

export interface FakeCredentials {
  clientId: string;
  clientSecret: string;
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

export type AuthResult = { ok: true; clientId: string } | { ok: false; error: string; message: string };

/**
 * Port's token issuer: client id/secret → a bearer token that lives `lifetimeSec`. Asking
 * again before expiry returns the same token, as Port does.
 */
export class FakeAuth {
  lifetimeSec: number;
  readonly #clients: Map<string, string>;
  readonly #tokens = new Map<string, IssuedToken>();
  /** The live token of each client, so a second ask returns it. */
  readonly #current = new Map<string, string>();
  issued = 0;

  constructor(clients: FakeCredentials[], lifetimeSec: number) {
    this.#clients = new Map(clients.map((c) => [c.clientId, c.clientSecret]));
    this.lifetimeSec = lifetimeSec;
  }

  /** `POST /v1/auth/access_token`: returns the status and body to send. */
  issue(body: unknown, now = Date.now()): { status: number; body: Record<string, unknown> } {
    const fields = body && typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : undefined;
    const { clientId, clientSecret } = (body ?? {}) as Record<string, unknown>;
    if (
      !fields ||
      fields.some((f) => f !== "clientId" && f !== "clientSecret") ||
      typeof clientId !== "string" ||
      typeof clientSecret !== "string"
    ) {
      return {
        status: 422,
        body: {
          ok: false,
          error: "invalid_request",
          message: 'body must be {"clientId": string, "clientSecret": string} and nothing else',
        },
      };
    }
    if (this.#clients.get(clientId) !== clientSecret) {
      return {
        status: 401,
        body: { ok: false, error: "unauthorized", message: "invalid client credentials" },
      };
    }
    const live = this.#current.get(clientId);
    const liveToken = live === undefined ? undefined : this.#tokens.get(live);
    if (live !== undefined && liveToken && liveToken.expiresAt > now) {
      const expiresIn = Math.max(1, Math.floor((liveToken.expiresAt - now) / 1000));
      return { status: 200, body: { ok: true, accessToken: live, expiresIn, tokenType: "Bearer" } };
    }
    const token = `fake.${randomBytes(24).toString("base64url")}`;
    this.#tokens.set(token, { clientId, expiresAt: now + this.lifetimeSec * 1000 });
    this.#current.set(clientId, token);
    this.issued += 1;
    return {
      status: 200,
      body: { ok: true, accessToken: token, expiresIn: this.lifetimeSec, tokenType: "Bearer" },
    };
  }

  /** Checks an `Authorization` header. */
  verify(authorization: string | undefined, now = Date.now()): AuthResult {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    if (!match?.[1]) {
      return { ok: false, error: "unauthorized", message: "missing Authorization: Bearer <token> header" };
    }
    const token = this.#tokens.get(match[1]);
    if (!token) return { ok: false, error: "unauthorized", message: "unknown or revoked access token" };
    if (token.expiresAt <= now) return { ok: false, error: "token_expired", message: "access token expired" };
    return { ok: true, clientId: token.clientId };
  }

  /** Makes every issued token expired now (the next request gets 401, a new ask gets a new token). */
  expireAll(now = Date.now()): void {
    for (const token of this.#tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }

  /** Forgets every issued token, as if Port rotated its signing keys. */
  revokeAll(): void {
    this.#tokens.clear();
    this.#current.clear();
  }
}
