import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import type { HttpClient } from "../../http/index.ts";
import { SourceHttpError } from "../errors.ts";

/** How a request to GitHub is authorized: a fixed token, or a GitHub App's installation token. */
export interface GitHubAuth {
  /** The `Authorization` header value for the next request. */
  authorization(http: HttpClient, options: { signal?: AbortSignal; waitBudgetMs?: number }): Promise<string>;
  /** Called when GitHub answered 401 to `authorization`; true when a retry may succeed with a fresh one. */
  rejected(authorization: string): boolean;
}

/** A personal access token (classic or fine-grained) or any other fixed token. */
export function tokenAuth(token: string): GitHubAuth {
  const authorization = `Bearer ${token}`;
  return { authorization: async () => authorization, rejected: () => false };
}

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

export interface GitHubAppAuthOptions {
  appId: string;
  privateKey: string | KeyObject;
  installationId: string | number;
  /** Fetch a new installation token this long before the current one expires. Default 5 minutes. */
  refreshBeforeExpiryMs?: number;
  now?: () => number;
}

interface InstallationToken {
  authorization: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Authenticates as a GitHub App installation: signs a JWT, exchanges it for an installation
 * token (`POST /app/installations/{id}/access_tokens`), caches it and refreshes it before it
 * expires. Concurrent requests share one refresh.
 */
export class GitHubAppAuth implements GitHubAuth {
  readonly #options: GitHubAppAuthOptions;
  readonly #key: KeyObject;
  readonly #now: () => number;
  #token: InstallationToken | undefined;
  #refreshing: Promise<InstallationToken> | undefined;

  constructor(options: GitHubAppAuthOptions) {
    this.#options = options;
    this.#key =
      typeof options.privateKey === "string" ? readPrivateKey(options.privateKey) : options.privateKey;
    this.#now = options.now ?? Date.now;
  }

  async authorization(http: HttpClient, options: { signal?: AbortSignal; waitBudgetMs?: number }) {
    const token = this.#token;
    if (token && !this.#dueForRefresh(token)) return token.authorization;
    this.#refreshing ??= this.#fetchToken(http, options).finally(() => {
      this.#refreshing = undefined;
    });
    return (await this.#refreshing).authorization;
  }

  rejected(authorization: string): boolean {
    // Only drop the token that failed: a concurrent request may already hold a newer one.
    if (this.#token?.authorization === authorization) this.#token = undefined;
    return true;
  }

  #dueForRefresh(token: InstallationToken): boolean {
    const lifetime = token.expiresAt - token.issuedAt;
    const margin = Math.min(this.#options.refreshBeforeExpiryMs ?? 300_000, lifetime / 2);
    return this.#now() >= token.expiresAt - margin;
  }

  async #fetchToken(http: HttpClient, options: { signal?: AbortSignal; waitBudgetMs?: number }) {
    const issuedAt = this.#now();
    const jwt = createAppJwt({ appId: this.#options.appId, privateKey: this.#key, now: issuedAt });
    const id = encodeURIComponent(String(this.#options.installationId));
    const res = await http.request({
      method: "POST",
      path: `/app/installations/${id}/access_tokens`,
      headers: { authorization: `Bearer ${jwt}`, accept: "application/vnd.github+json" },
      signal: options.signal,
      waitBudgetMs: options.waitBudgetMs,
    });
    const body = parseBody(res.text);
    const expiresAt = Date.parse(String(body?.expires_at));
    if (res.status !== 201 || typeof body?.token !== "string" || Number.isNaN(expiresAt)) {
      throw new SourceHttpError({
        source: "github",
        method: "POST",
        path: res.path,
        status: res.status,
        apiMessage: typeof body?.message === "string" ? body.message : undefined,
        hint: "check GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID",
      });
    }
    // Start the lifetime from when we asked, so a slow answer makes us refresh early, never late.
    const lifetime = Math.max(0, expiresAt - this.#now());
    const token = { authorization: `Bearer ${body.token}`, issuedAt, expiresAt: issuedAt + lifetime };
    this.#token = token;
    return token;
  }
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
