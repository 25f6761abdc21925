import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { PortApiError, PortClient, PortConfigError } from "../../lib/port/index.ts";
import type { PortFake } from "../fakes/port/index.ts";
import { clientFor, portWith, services } from "./helpers.ts";

let port: PortFake;
afterEach(() => port?.close());

const SECRET = "sekret-7f3a9c1e-do-not-print";
const options = { merge: true, createMissingRelatedEntities: false };
const statuses = (p: PortFake, route: string) =>
  p.state.log.filter((r) => r.route === route).map((r) => r.status);

describe("authentication", () => {
  it("fetches one token for many concurrent callers and reuses it", async () => {
    port = await portWith();
    const client = clientFor(port);
    await Promise.all(Array.from({ length: 10 }, () => client.getBlueprint("service")));
    await client.upsertEntities("service", services(50), options);
    expect(port.requestCount("auth")).toBe(1);
    expect(client.stats.requests.auth).toBe(1);
  });

  it("refreshes a token that is about to expire, before Port has to say 401", async () => {
    port = await portWith({ tokenLifetimeSec: 1 });
    const client = clientFor(port);
    await client.upsertEntities("service", services(5), options);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const results = await client.upsertEntities("service", services(5, 5), options);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(port.requestCount("auth")).toBe(2);
    expect(statuses(port, "bulkUpsert")).toEqual([200, 200]);
  });

  it("on a 401, fetches a new token once and retries the request", async () => {
    port = await portWith();
    const client = clientFor(port);
    await client.upsertEntities("service", services(5), options);
    port.revokeTokens();
    const results = await client.upsertEntities("service", services(5, 5), options);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(statuses(port, "bulkUpsert")).toEqual([200, 401, 200]);
    expect(port.requestCount("auth")).toBe(2);

    port.expireTokens();
    expect(await client.getBlueprint("service")).toMatchObject({ identifier: "service" });
    expect(statuses(port, "getBlueprint")).toEqual([401, 200]);
  });

  it("throws PortApiError when Port keeps refusing fresh tokens", async () => {
    port = await portWith({ tokenLifetimeSec: 0 });
    const client = clientFor(port);
    const error = await client.upsertEntities("service", services(3), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortApiError);
    expect(error).toMatchObject({ status: 401, code: "token_expired", method: "POST" });
    expect(statuses(port, "bulkUpsert")).toEqual([401, 401]);
  });

  it("throws on bad credentials without ever showing the secret", async () => {
    port = await portWith({ clients: [{ clientId: "tide-ci", clientSecret: SECRET }] });
    const client = new PortClient({
      clientId: "tide-ci",
      clientSecret: `${SECRET}-wrong`,
      baseUrl: port.url,
    });
    const error = await client.upsertEntities("service", services(2), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortApiError);
    const apiError = error as PortApiError;
    expect(apiError).toMatchObject({ status: 401, code: "unauthorized", path: "/v1/auth/access_token" });
    expect(apiError.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(apiError.message).toMatch(
      /^Port 401 unauthorized on POST \/v1\/auth\/access_token \(trace [0-9a-f]{32}\): /,
    );
    for (const text of [
      apiError.message,
      String(apiError),
      JSON.stringify(apiError),
      inspect(apiError),
      inspect(client),
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it("never shows the access token or secret in errors from data routes", async () => {
    port = await portWith({ clients: [{ clientId: "tide-ci", clientSecret: SECRET }] });
    const client = new PortClient({ clientId: "tide-ci", clientSecret: SECRET, baseUrl: port.url });
    await client.getBlueprint("service");
    const error = await client
      .createBlueprint({ identifier: "service", title: "Again", schema: { properties: {} } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(PortApiError);
    expect(error.message).toMatch(
      /^Port 409 identifier_taken on POST \/v1\/blueprints \(trace [0-9a-f]{32}\): /,
    );
    expect(inspect(error)).not.toContain(SECRET);
    // The emulator's tokens look like `fake.<base64url>`.
    expect(inspect(error)).not.toMatch(/fake\.[\w-]{20,}/);
  });
});

describe("PortClient.fromEnv", () => {
  it("names every missing variable and never a value", () => {
    const error = (() => {
      try {
        PortClient.fromEnv({ PORT_CLIENT_SECRET: SECRET });
      } catch (e) {
        return e;
      }
    })() as PortConfigError;
    expect(error).toBeInstanceOf(PortConfigError);
    expect(error.settings).toEqual(["PORT_CLIENT_ID"]);
    expect(error.message).toContain("PORT_CLIENT_ID");
    expect(error.message).not.toContain(SECRET);
    expect(() => PortClient.fromEnv({})).toThrow(/PORT_CLIENT_ID and PORT_CLIENT_SECRET are not set/);
    expect(() =>
      PortClient.fromEnv({ PORT_CLIENT_ID: "a", PORT_CLIENT_SECRET: "b", PORT_BASE_URL: "ftp://x" }),
    ).toThrow(/PORT_BASE_URL must be an http\(s\) URL/);
  });

  it("reads the region URL and the integration id", () => {
    const client = PortClient.fromEnv(
      {
        PORT_CLIENT_ID: "a",
        PORT_CLIENT_SECRET: "b",
        PORT_BASE_URL: "https://api.us.port.io/",
        TIDE_INTEGRATION_ID: "gh-prod",
      },
      { integrationType: "github", version: "1.2.3" },
    );
    expect(client.baseUrl).toBe("https://api.us.port.io");
    expect(client.userAgent).toBe("tide/1.2.3/gh-prod/github");
    expect(client.datasource).toBe("/gh-prod/github");
    expect(PortClient.fromEnv({ PORT_CLIENT_ID: "a", PORT_CLIENT_SECRET: "b" }).baseUrl).toBe(
      "https://api.port.io",
    );
  });
});
