import { type KeyObject, verify } from "node:crypto";

/** GitHub's HTTP conventions, as the fake speaks them: routes, Link pagination, App JWT checks. */

export interface Route {
  name: string;
  params: Record<string, string | undefined>;
}

const ROUTES: Array<[RegExp, string, string[]]> = [
  [/^\/orgs\/([^/]+)\/teams\/([^/]+)$/, "/orgs/{org}/teams/{slug}", ["org", "slug"]],
  [/^\/orgs\/([^/]+)\/hooks$/, "/orgs/{org}/hooks", ["org"]],
  [/^\/orgs\/([^/]+)\/hooks\/(\d+)$/, "/orgs/{org}/hooks/{id}", ["org", "id"]],
  [
    /^\/repos\/([^/]+)\/([^/]+)\/(pulls|issues)\/(\d+)$/,
    "/repos/{owner}/{repo}/{items}/{number}",
    ["owner", "repo", "items", "number"],
  ],
  [
    /^\/repositories\/(\d+)\/(pulls|issues)\/(\d+)$/,
    "/repositories/{id}/{items}/{number}",
    ["id", "items", "number"],
  ],
  [
    /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
    "/repos/{owner}/{repo}/contents/{path}",
    ["owner", "repo", "path"],
  ],
  [/^\/orgs\/([^/]+)\/(repos|teams)$/, "/orgs/{org}/", ["org"]],
  [/^\/organizations\/(\d+)\/(repos|teams)$/, "/organizations/{id}/", ["orgId"]],
  [/^\/repos\/([^/]+)\/([^/]+)(\/pulls|\/issues)?$/, "/repos/{owner}/{repo}", ["owner", "repo"]],
  [/^\/repositories\/(\d+)(\/pulls|\/issues)?$/, "/repositories/{id}", ["id"]],
  [/^\/app\/installations\/([^/]+)\/access_tokens$/, "/app/installations/{id}/access_tokens", ["id"]],
];

export function routeOf(method: string, path: string): Route {
  for (const [pattern, template, names] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string | undefined> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "");
    });
    const rest = match[names.length + 1] ?? "";
    return { name: `${method} ${template}${rest}`, params };
  }
  return { name: `${method} ${path}`, params: {} };
}

/** Slices one page and sets GitHub's `Link` header (first, prev, next, last). */
export function paginate<T>(all: T[], url: URL, canonicalPath: string, headers: Record<string, string>): T[] {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const link = (n: number, rel: string) => {
    const target = new URL(canonicalPath, url.origin);
    for (const [key, value] of url.searchParams) target.searchParams.set(key, value);
    target.searchParams.set("page", String(n));
    return `<${target.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  if (links.length > 0) headers.link = links.join(", ");
  return all.slice((page - 1) * perPage, page * perPage);
}

/** GitHub's checks on an App JWT: RS256 signed by the App's key, `iss`, and a lifetime of at most 10 minutes. */
export function checkJwt(
  jwt: string | undefined,
  key: KeyObject,
  appId: string,
  nowMs: number,
): string | undefined {
  const parts = jwt?.split(".");
  if (parts?.length !== 3) return "not a JWT";
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iat?: number; exp?: number; iss?: unknown };
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return "unreadable";
  }
  if (header.alg !== "RS256") return "alg is not RS256";
  if (!verify("sha256", Buffer.from(`${head}.${body}`), key, Buffer.from(signature, "base64url"))) {
    return "signature does not match the App's key";
  }
  const seconds = nowMs / 1000;
  if (String(claims.iss) !== String(appId)) return "'Issuer' claim ('iss') is not this App";
  if (typeof claims.iat !== "number" || claims.iat > seconds + 60)
    return "'Issued at' claim ('iat') is in the future";
  if (typeof claims.exp !== "number" || claims.exp <= seconds)
    return "'Expiration time' claim ('exp') has passed";
  if (claims.exp - claims.iat > 660 || claims.exp > seconds + 600)
    return "'Expiration time' claim ('exp') is too far in the future";
  return undefined;
}
