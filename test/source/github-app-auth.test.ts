import { generateKeyPairSync, verify } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAppJwt, createGitHubSource, readPrivateKey } from "../../lib/source/github/index.ts";
import { SourceHttpError } from "../../lib/source/index.ts";
import { startGitHubFake } from "../fakes/github/index.ts";
import { collect, FAST_RETRY, type GitHubFake, itemsOf } from "./helpers.ts";

let privatePem: string;
let publicPem: string;
beforeAll(() => {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  privatePem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
});

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

describe("createAppJwt", () => {
  it("signs an RS256 JWT that the App's public key verifies, with GitHub's claims", () => {
    const now = Date.UTC(2025, 5, 1, 12, 0, 0);
    const jwt = createAppJwt({ appId: "424242", privateKey: readPrivateKey(privatePem), now });
    const [header, payload, signature] = jwt.split(".") as [string, string, string];
    expect(decode(header)).toEqual({ alg: "RS256", typ: "JWT" });
    expect(decode(payload)).toEqual({ iss: "424242", iat: now / 1000 - 60, exp: now / 1000 + 540 });
    const valid = verify(
      "sha256",
      Buffer.from(`${header}.${payload}`),
      publicPem,
      Buffer.from(signature, "base64url"),
    );
    expect(valid).toBe(true);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expect(
      verify("sha256", Buffer.from(`${header}.${payload}`), other, Buffer.from(signature, "base64url")),
    ).toBe(false);
  });
});

describe("readPrivateKey", () => {
  it("accepts the PEM as is, with \\n escapes, or base64-encoded", () => {
    const escaped = privatePem.trim().replace(/\n/g, "\\n");
    const base64 = Buffer.from(privatePem).toString("base64");
    for (const form of [privatePem, escaped, base64]) {
      expect(readPrivateKey(form).asymmetricKeyType).toBe("rsa");
    }
  });

  it("says what is wrong without echoing the key", () => {
    const secret = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-s3cr3t\n-----END RSA PRIVATE KEY-----";
    expect(() => readPrivateKey(secret)).toThrow("not a readable PEM private key");
    try {
      readPrivateKey(secret);
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cr3t");
    }
  });
});

describe("GitHub App authentication", () => {
  async function setup(options: { tokenTtlMs?: number; now?: () => number; key?: string } = {}) {
    const installationId = 77;
    fake = await startGitHubFake({
      repos: 250,
      seed: 31,
      now: options.now,
      app: { appId: "1234", publicKey: publicPem, installationId, tokenTtlMs: options.tokenTtlMs },
    });
    const source = createGitHubSource({
      org: fake.org.login,
      apiUrl: fake.url,
      app: { appId: "1234", privateKey: options.key ?? privatePem, installationId },
      now: options.now,
      http: { retry: FAST_RETRY },
    });
    return { fake, source };
  }

  it("exchanges a JWT for an installation token and reuses it while it is fresh", async () => {
    const { fake, source } = await setup();
    const repos = itemsOf(await collect(source.kinds.repository.pages()));
    const teams = itemsOf(await collect(source.kinds.team.pages()));
    expect(repos).toHaveLength(250);
    expect(teams.length).toBeGreaterThan(0);
    expect(fake.stats.installationTokens).toBe(1);
    expect(fake.stats.byRoute["POST /app/installations/{id}/access_tokens"]).toBe(1);
  });

  it("shares one token request among concurrent first requests", async () => {
    const { fake, source } = await setup();
    const names = fake.org.repoNames().slice(0, 20);
    await Promise.all(names.map((partition) => collect(source.kinds["pull-request"].pages({ partition }))));
    expect(fake.stats.installationTokens).toBe(1);
  });

  it("refreshes the installation token before it expires", async () => {
    let clock = Date.now();
    const { fake, source } = await setup({ now: () => clock, tokenTtlMs: 3_600_000 });
    await collect(source.kinds.team.pages());
    clock += 50 * 60_000; // 10 minutes left: still fresh
    await collect(source.kinds.team.pages());
    expect(fake.stats.installationTokens).toBe(1);
    clock += 6 * 60_000; // 4 minutes left: inside the 5-minute margin, refreshed before it runs out
    await collect(source.kinds.team.pages());
    expect(fake.stats.installationTokens).toBe(2);
    expect(fake.stats.byStatus[401]).toBeUndefined();
  });

  it("asks for a new token once when GitHub rejects the current one", async () => {
    const { fake, source } = await setup();
    await collect(source.kinds.team.pages());
    fake.revokeInstallationTokens();
    const repos = itemsOf(await collect(source.kinds.repository.pages()));
    expect(repos).toHaveLength(250);
    expect(fake.stats.installationTokens).toBe(2);
    // auth-app first retries a token younger than 5 s (GitHub may not have replicated it yet).
    expect(fake.stats.byStatus[401]).toBeGreaterThanOrEqual(1);
  });

  it("names the App settings when GitHub refuses the JWT, without the key", async () => {
    const wrong = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const { source } = await setup({ key: wrong.toString() });
    const error = await collect(source.kinds.repository.pages()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as SourceHttpError).status).toBe(401);
    const message = (error as Error).message;
    expect(message).toContain("POST /app/installations/77/access_tokens answered 401");
    expect(message).toContain("GITHUB_APP_PRIVATE_KEY");
    expect(message).not.toContain("PRIVATE KEY-----");
  });
});
