import { afterEach, describe, expect, it } from "vitest";
import { httpSource } from "../../lib/source/http/index.ts";
import { getKind, resolveSettings, SettingsError, SourceHttpError } from "../../lib/source/index.ts";
import type { Cursor, PageOptions, Source } from "../../lib/source/types.ts";
import { type FakeAuth, type FakePagination, type RestFake, startRestFake } from "../fakes/http/index.ts";
import { collect, expectExactResume, itemsOf } from "./helpers.ts";

let fake: RestFake | undefined;
let source: Source | undefined;
afterEach(async () => {
  await source?.close?.();
  await fake?.close();
  fake = undefined;
  source = undefined;
});

/** The source as a user configures it: environment variables only. */
function httpFrom(env: Record<string, string>): Source {
  source = httpSource.create(resolveSettings(httpSource, env));
  return source;
}

const idOf = (item: unknown) =>
  (item as { id?: string; user_id?: string }).id ?? (item as { user_id: string }).user_id;

describe("http source: authentication", () => {
  const cases: Array<{ auth: FakeAuth; env: Record<string, string> }> = [
    { auth: { type: "none" }, env: {} },
    {
      auth: { type: "bearer_token", token: "s3cret-token" },
      env: { HTTP_AUTH_TYPE: "bearer_token", HTTP_API_TOKEN: "s3cret-token" },
    },
    {
      auth: { type: "basic", username: "api-user", password: "pa55word" },
      env: { HTTP_AUTH_TYPE: "basic", HTTP_USERNAME: "api-user", HTTP_PASSWORD: "pa55word" },
    },
    {
      auth: { type: "api_key", header: "X-Api-Token", key: "k-123" },
      env: { HTTP_AUTH_TYPE: "api_key", HTTP_API_KEY: "k-123", HTTP_API_KEY_HEADER: "X-Api-Token" },
    },
  ];
  for (const { auth, env } of cases) {
    it(`${auth.type}: lists the endpoint with the credentials, and a wrong one is a 401 that shows no secret`, async () => {
      fake = await startRestFake({ auth });
      const users = getKind(httpFrom({ HTTP_BASE_URL: fake.url, ...env }), "/api/v1/users");
      const items = itemsOf(await collect(users.pages({ selector: { data_path: ".users" } })));
      expect(items.map(idOf)).toEqual(fake.users.map((u) => u.id));
      if (auth.type === "none") return;

      const wrong = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          k === "HTTP_AUTH_TYPE" || k === "HTTP_API_KEY_HEADER" || k === "HTTP_USERNAME" ? v : "wrong-value",
        ]),
      );
      const bad = getKind(httpFrom({ HTTP_BASE_URL: fake.url, ...wrong }), "/api/v1/users");
      const error = await collect(bad.pages({ selector: { data_path: ".users" } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceHttpError);
      expect((error as Error).message).toMatch(/GET \/api\/v1\/users answered 401: bad credentials/);
      expect((error as Error).message).not.toMatch(/wrong-value|s3cret|pa55word|k-123/);
    });
  }

  it("custom: obtains a token with customAuthRequest, uses it as the template says, and authenticates again after a 401", async () => {
    fake = await startRestFake({
      auth: { type: "custom", clientId: "cid", clientSecret: "csecret", validRequests: 2 },
      pagination: { type: "offset" },
      users: 7,
    });
    const items = itemsOf(
      await collect(
        getKind(
          httpFrom({
            HTTP_BASE_URL: fake.url,
            HTTP_AUTH_TYPE: "custom",
            HTTP_CUSTOM_AUTH_REQUEST: JSON.stringify({
              endpoint: "/oauth/token",
              body: { clientId: "cid", clientSecret: "csecret" },
            }),
            HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE: JSON.stringify({
              headers: { Authorization: "Bearer {{.accessToken}}" },
            }),
            HTTP_PAGINATION_TYPE: "offset",
            HTTP_PAGE_SIZE: "2",
          }),
          "/api/v1/users",
        ).pages({ selector: { data_path: ".users" } }),
      ),
    );
    expect(items.map(idOf)).toEqual(fake.users.map((u) => u.id));
    // 4 pages, 2 requests per token: a second token after the first 401.
    expect(fake.tokensIssued).toBe(2);
    const tokenRequest = fake.requests.find((r) => r.path === "/oauth/token");
    expect(JSON.parse(tokenRequest?.body ?? "{}")).toEqual({ clientId: "cid", clientSecret: "csecret" });
  });

  it("custom: a refused authentication names the setting, never the secret", async () => {
    fake = await startRestFake({ auth: { type: "custom", clientId: "cid", clientSecret: "csecret" } });
    const kind = getKind(
      httpFrom({
        HTTP_BASE_URL: fake.url,
        HTTP_AUTH_TYPE: "custom",
        HTTP_CUSTOM_AUTH_REQUEST: JSON.stringify({
          endpoint: "/oauth/token",
          body: { clientId: "cid", clientSecret: "wr0ng-secret" },
        }),
        HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE: JSON.stringify({
          headers: { Authorization: "Bearer {{.accessToken}}" },
        }),
      }),
      "/api/v1/users",
    );
    const error = await collect(kind.pages({ selector: { data_path: ".users" } })).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as Error).message).toBe(
      "http: POST /oauth/token answered 401. the custom authentication request (HTTP_CUSTOM_AUTH_REQUEST) was refused",
    );
    expect(fake.requests.filter((r) => r.path === "/api/v1/users")).toHaveLength(0);
  });

  it("custom: a form-encoded auth request (bodyForm)", async () => {
    fake = await startRestFake({ auth: { type: "custom", clientId: "cid", clientSecret: "csecret" } });
    const kind = getKind(
      httpFrom({
        HTTP_BASE_URL: fake.url,
        HTTP_AUTH_TYPE: "custom",
        HTTP_CUSTOM_AUTH_REQUEST: JSON.stringify({
          endpoint: "/oauth/token",
          bodyForm: "clientId=cid&clientSecret=csecret",
        }),
        HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE: JSON.stringify({
          headers: { Authorization: "Bearer {{.accessToken}}" },
        }),
      }),
      "/api/v1/users",
    );
    expect(itemsOf(await collect(kind.pages({ selector: { data_path: ".users" } })))).toHaveLength(7);
    expect(fake.requests[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("reports every missing credential at once and never echoes a sensitive value", () => {
    expect(() =>
      resolveSettings(httpSource, { HTTP_BASE_URL: "http://x.test", HTTP_AUTH_TYPE: "basic" }),
    ).toThrow(/HTTP_USERNAME: required when HTTP_AUTH_TYPE is basic\n {2}- HTTP_PASSWORD: required/);
    const error = (() => {
      try {
        resolveSettings(httpSource, {
          HTTP_BASE_URL: "http://x.test",
          HTTP_AUTH_TYPE: "custom",
          HTTP_CUSTOM_AUTH_REQUEST: "{clientSecret: hunter2",
          HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE: "{}",
          HTTP_PAGINATION_TYPE: "pages",
        });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(error?.message).toContain("HTTP_CUSTOM_AUTH_REQUEST: is not a JSON object");
    expect(error?.message).toContain(
      'HTTP_PAGINATION_TYPE: "pages": use one of none, offset, page, cursor, next_link, header_link',
    );
    expect(error?.message).not.toContain("hunter2");
  });
});

describe("http source: pagination", () => {
  const styles: Array<{ pagination: FakePagination; env: Record<string, string>; dataPath: string }> = [
    { pagination: { type: "none" }, env: {}, dataPath: ".users" },
    {
      pagination: { type: "offset" },
      env: { HTTP_PAGINATION_TYPE: "offset", HTTP_PAGE_SIZE: "3" },
      dataPath: ".users",
    },
    {
      // Spring Data REST, 0-based, as in Ocean's README
      pagination: { type: "page", startPage: 0 },
      env: {
        HTTP_PAGINATION_TYPE: "page",
        HTTP_PAGE_SIZE: "3",
        HTTP_START_PAGE: "0",
        HTTP_LAST_PAGE_PATH: "data.last",
      },
      dataPath: ".data.content",
    },
    {
      // Slack, as Ocean's Slack example configures it
      pagination: { type: "cursor" },
      env: {
        HTTP_PAGINATION_TYPE: "cursor",
        HTTP_PAGE_SIZE: "3",
        HTTP_PAGINATION_PARAM: "cursor",
        HTTP_SIZE_PARAM: "limit",
        HTTP_CURSOR_PATH: "response_metadata.next_cursor",
        HTTP_HAS_MORE_PATH: "response_metadata.next_cursor",
      },
      dataPath: ".users",
    },
    { pagination: { type: "next_link" }, env: { HTTP_PAGINATION_TYPE: "next_link" }, dataPath: ".value" },
    { pagination: { type: "header_link" }, env: { HTTP_PAGINATION_TYPE: "header_link" }, dataPath: "." },
  ];
  for (const { pagination, env, dataPath } of styles) {
    it(`${pagination.type}: every item once, in order, and a resume from any page's cursor gives exactly the rest`, async () => {
      fake = await startRestFake({ pagination, users: 10 });
      const users = getKind(httpFrom({ HTTP_BASE_URL: fake.url, ...env }), "/api/v1/users");
      const pagesFrom = (cursor?: Cursor) =>
        users.pages({ selector: { data_path: dataPath }, cursor } as PageOptions);
      const { pages, resumes } = await expectExactResume(pagesFrom, idOf);
      expect(itemsOf(pages).map(idOf)).toEqual(fake.users.map((u) => u.id));
      expect(pages.length).toBe(pagination.type === "none" ? 1 : 4);
      expect(resumes).toBe(pages.length - 1);
    });
  }

  it("waits as a 429's Retry-After says, then goes on", async () => {
    fake = await startRestFake({ throttleFirst: true, users: 2 });
    const started = Date.now();
    const items = itemsOf(
      await collect(
        getKind(httpFrom({ HTTP_BASE_URL: fake.url }), "/api/v1/users").pages({
          selector: { data_path: ".users" },
        }),
      ),
    );
    expect(items).toHaveLength(2);
    expect(fake.requests.map((r) => r.path)).toEqual(["/api/v1/users", "/api/v1/users"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe("http source: endpoints", () => {
  it("dynamic endpoints: one partition per value discovered from another endpoint, filtered, each item tagged __param", async () => {
    fake = await startRestFake({ teams: 4 });
    const kind = getKind(httpFrom({ HTTP_BASE_URL: fake.url }), "/api/v1/teams/{team_id}/members");
    const selector = {
      method: "GET",
      path_parameters: {
        team_id: {
          endpoint: "/api/v1/teams",
          method: "GET",
          field: ".id",
          filter: '.status == "active"',
          data_path: ".teams",
        },
      },
      data_path: ".members",
    };
    const partitions: string[] = [];
    for await (const p of kind.partitions?.({ selector }) ?? []) partitions.push(p);
    expect(partitions.map((p) => JSON.parse(p))).toEqual([{ team_id: "t1" }, { team_id: "t3" }]);
    const members = [];
    for (const partition of partitions)
      members.push(...itemsOf(await collect(kind.pages({ selector, partition }))));
    expect(members).toEqual(
      ["t1", "t3"].flatMap((t) => (fake?.members.get(t) ?? []).map((m) => ({ ...m, __team_id: t }))),
    );
  });

  it("sends the selector's query_params and headers, and a single object response is one item", async () => {
    fake = await startRestFake({ teams: 4 });
    const kind = getKind(httpFrom({ HTTP_BASE_URL: fake.url }), "/api/v1/teams");
    const items = itemsOf(
      await collect(
        kind.pages({
          selector: {
            query_params: { status: "archived" },
            headers: { "X-Version": "2" },
            data_path: ".teams",
          },
        }),
      ),
    );
    expect(items.map(idOf)).toEqual(["t2", "t4"]);
    expect(fake.requests[0]?.headers["x-version"]).toBe("2");
    const whole = itemsOf(await collect(kind.pages({ selector: { data_path: ".teams[0]" } })));
    expect(whole).toEqual([fake.teams[0]]);
  });

  it("a bad selector or data_path names the kind and the field", async () => {
    fake = await startRestFake();
    const kind = getKind(httpFrom({ HTTP_BASE_URL: fake.url }), "/api/v1/users");
    await expect(collect(kind.pages({ selector: { method: "FETCH" } }))).rejects.toThrow(
      /kind \/api\/v1\/users: selector.method/,
    );
    await expect(collect(kind.pages({ selector: { data_path: ".users | nope" } }))).rejects.toThrow(
      /kind \/api\/v1\/users: selector.data_path ".users \| nope": .*nope\/0 is not defined/,
    );
    const templated = getKind(httpFrom({ HTTP_BASE_URL: fake.url }), "/api/v1/teams/{team_id}/members");
    const listing = async () => {
      for await (const _ of templated.partitions?.({ selector: {} }) ?? []);
    };
    await expect(listing()).rejects.toThrow(/selector.path_parameters.team_id/);
  });

  it("only endpoint paths are kinds", () => {
    const http = httpFrom({ HTTP_BASE_URL: "http://127.0.0.1:1" });
    expect(() => getKind(http, "repository")).toThrow(/unknown kind/);
    expect(getKind(http, "/anything").name).toBe("/anything");
  });
});
