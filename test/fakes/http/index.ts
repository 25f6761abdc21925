import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small REST API on 127.0.0.1 for the HTTP source: users, teams and each team's members,
 * behind one of Ocean's auth types and paginated in one of its styles, each shaped like the
 * real APIs that use it (Slack's cursor, Microsoft Graph's next link, Spring's page, GitHub's
 * Link header). Strict: a wrong credential is a 401, an unknown query parameter a 400.
 */
export type FakeAuth =
  | { type: "none" }
  | { type: "bearer_token"; token: string }
  | { type: "basic"; username: string; password: string }
  | { type: "api_key"; header: string; key: string }
  /** POST /oauth/token with client credentials (JSON or form) gives a token valid for `validRequests` requests. */
  | { type: "custom"; clientId: string; clientSecret: string; validRequests?: number };

export type FakePagination =
  | { type: "none" }
  | { type: "offset" }
  | { type: "page"; startPage: number }
  | { type: "cursor" }
  | { type: "next_link" }
  | { type: "header_link" };

export interface Member {
  user_id: string;
  name: string;
  team_id: string;
}

export interface RestFakeOptions {
  auth?: FakeAuth;
  pagination?: FakePagination;
  users?: number;
  /** Teams; every other one is archived. Each has 3 members. */
  teams?: number;
  /** The first request to each path answers 429 with `Retry-After: 1`. */
  throttleFirst?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RestFake {
  url: string;
  requests: RecordedRequest[];
  users: Array<{ id: string; name: string; email: string }>;
  teams: Array<{ id: string; name: string; status: "active" | "archived" }>;
  members: Map<string, Member[]>;
  /** Tokens the custom auth endpoint issued. */
  tokensIssued: number;
  close(): Promise<void>;
}

const PARAMS: Record<FakePagination["type"], string[]> = {
  none: [],
  offset: ["offset", "limit"],
  page: ["page", "size"],
  cursor: ["cursor", "limit"],
  next_link: ["$skiptoken", "$top"],
  header_link: ["page", "per_page"],
};

export async function startRestFake(options: RestFakeOptions = {}): Promise<RestFake> {
  const auth = options.auth ?? { type: "none" };
  const pagination = options.pagination ?? { type: "none" };
  const users = Array.from({ length: options.users ?? 7 }, (_, i) => ({
    id: `u${i + 1}`,
    name: `User ${i + 1}`,
    email: `user${i + 1}@example.test`,
  }));
  const teams = Array.from({ length: options.teams ?? 4 }, (_, i) => ({
    id: `t${i + 1}`,
    name: `Team ${i + 1}`,
    status: (i % 2 === 0 ? "active" : "archived") as "active" | "archived",
  }));
  const members = new Map(
    teams.map((t) => [
      t.id,
      [1, 2, 3].map((n) => ({ user_id: `${t.id}-m${n}`, name: `Member ${n} of ${t.name}`, team_id: t.id })),
    ]),
  );
  const requests: RecordedRequest[] = [];
  const throttled = new Set<string>();
  const tokens = new Map<string, number>();
  let url = "";

  const fake: RestFake = {
    url: "",
    requests,
    users,
    teams,
    members,
    tokensIssued: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers;
    switch (auth.type) {
      case "none":
        return true;
      case "bearer_token":
        return h.authorization === `Bearer ${auth.token}`;
      case "basic":
        return (
          h.authorization === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`
        );
      case "api_key":
        return h[auth.header.toLowerCase()] === auth.key;
      case "custom": {
        const token = /^Bearer (.+)$/.exec(h.authorization ?? "")?.[1];
        const left = token === undefined ? undefined : tokens.get(token);
        if (left === undefined || left <= 0) return false;
        tokens.set(token as string, left - 1);
        return true;
      }
    }
  };

  const list = (
    res: ServerResponse,
    query: Record<string, string>,
    all: unknown[],
    key: string,
    path: string,
  ) => {
    const allowed = new Set([...PARAMS[pagination.type], "status", "types"]);
    const unknown = Object.keys(query).filter((k) => !allowed.has(k));
    if (unknown.length > 0) return send(res, 400, { message: `unknown parameter(s) ${unknown.join(", ")}` });
    const int = (name: string, fallback: number) => {
      const v = query[name];
      return v === undefined ? fallback : Number(v);
    };
    switch (pagination.type) {
      case "none":
        return send(res, 200, { [key]: all });
      case "offset": {
        const offset = int("offset", 0);
        const limit = int("limit", 10);
        return send(res, 200, {
          [key]: all.slice(offset, offset + limit),
          has_more: offset + limit < all.length,
        });
      }
      case "page": {
        // Spring Data REST: { data: { content, last, number } }
        const page = int("page", pagination.startPage);
        const size = int("size", 10);
        const from = (page - pagination.startPage) * size;
        return send(res, 200, {
          data: { content: all.slice(from, from + size), last: from + size >= all.length, number: page },
        });
      }
      case "cursor": {
        // Slack: { ok, <key>, response_metadata: { next_cursor } }, "" at the end
        const from = query.cursor ? Number(Buffer.from(query.cursor, "base64url").toString()) : 0;
        const limit = int("limit", 10);
        const next = from + limit < all.length ? Buffer.from(String(from + limit)).toString("base64url") : "";
        return send(res, 200, {
          ok: true,
          [key]: all.slice(from, from + limit),
          response_metadata: { next_cursor: next },
        });
      }
      case "next_link": {
        // Microsoft Graph: { value, "@odata.nextLink" }
        const from = int("$skiptoken", 0);
        const top = 3;
        const body: Record<string, unknown> = { value: all.slice(from, from + top) };
        if (from + top < all.length)
          body["@odata.nextLink"] = `${url}${path}?$skiptoken=${from + top}&$top=${top}`;
        return send(res, 200, body);
      }
      case "header_link": {
        // GitHub: a bare array and Link: <…>; rel="next"
        const page = int("page", 1);
        const per = 3;
        const from = (page - 1) * per;
        const headers: Record<string, string> = {};
        const lastPage = Math.max(1, Math.ceil(all.length / per));
        const links = [`<${url}${path}?page=${lastPage}&per_page=${per}>; rel="last"`];
        if (from + per < all.length)
          links.unshift(`<${url}${path}?page=${page + 1}&per_page=${per}>; rel="next"`);
        headers.link = links.join(", ");
        return send(res, 200, all.slice(from, from + per), headers);
      }
    }
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const parsed = new URL(req.url ?? "/", "http://fake");
    const query = Object.fromEntries(parsed.searchParams);
    const path = parsed.pathname;
    requests.push({ method: req.method ?? "GET", path, query, headers: req.headers, body });

    if (path === "/oauth/token" && auth.type === "custom") {
      const type = req.headers["content-type"] ?? "";
      const form = type.includes("x-www-form-urlencoded")
        ? Object.fromEntries(new URLSearchParams(body))
        : (JSON.parse(body || "{}") as Record<string, string>);
      if (req.method !== "POST" || form.clientId !== auth.clientId || form.clientSecret !== auth.clientSecret)
        return send(res, 401, { error: "invalid_client" });
      fake.tokensIssued += 1;
      const token = `tok-${fake.tokensIssued}`;
      tokens.set(token, auth.validRequests ?? 1000);
      return send(res, 200, { accessToken: token, expiresIn: 3600 });
    }
    if (options.throttleFirst && !throttled.has(path)) {
      throttled.add(path);
      return send(res, 429, { message: "slow down" }, { "retry-after": "1" });
    }
    if (!authorized(req)) return send(res, 401, { message: "bad credentials" });
    if (req.method !== "GET") return send(res, 405, { message: `${req.method} not allowed` });

    if (path === "/api/v1/users") return list(res, query, users, "users", path);
    if (path === "/api/v1/teams") {
      const wanted = query.status;
      const { status: _, ...rest } = query;
      return list(res, rest, wanted ? teams.filter((t) => t.status === wanted) : teams, "teams", path);
    }
    const team = /^\/api\/v1\/teams\/([^/]+)\/members$/.exec(path)?.[1];
    if (team !== undefined) {
      const found = members.get(decodeURIComponent(team));
      if (!found) return send(res, 404, { message: `no team ${team}` });
      return list(res, query, found, "members", path);
    }
    return send(res, 404, { message: `no route ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = url;
  return fake;
}
