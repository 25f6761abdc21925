import type { FakeOrg } from "./model.ts";
import { issueJson, type Json, pullJson } from "./objects.ts";
import type { Route } from "./protocol.ts";

/**
 * The routes live events read and `tide setup` writes, as GitHub's REST API documents them:
 * one pull request, issue or team, and the organization's webhooks (`org-hook` in the
 * OpenAPI description: `name` must be `web`, `config.url` is required, the secret is never
 * shown back, 422 "Validation Failed" otherwise).
 */
export interface OrgHooks {
  hooks: Json[];
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

/** Answers the route if it is one of these; false otherwise. */
export function serveLiveRoute(
  org: FakeOrg,
  state: OrgHooks,
  route: Route,
  url: URL,
  body: string,
  headers: Record<string, string>,
  send: Send,
): boolean {
  const { params } = route;
  switch (route.name) {
    case "GET /repos/{owner}/{repo}/{items}/{number}":
    case "GET /repositories/{id}/{items}/{number}": {
      const byName = params.repo !== undefined;
      if (byName && params.owner?.toLowerCase() !== org.login.toLowerCase()) return answered(send, headers);
      const found = org.findRepo(byName ? (params.repo ?? "") : Number(params.id));
      if (found.redirectTo !== undefined) {
        const location = `${url.origin}/repositories/${found.redirectTo}/${params.items}/${params.number}`;
        send(301, { message: "Moved Permanently", url: location }, { ...headers, location });
        return true;
      }
      const repo = found.repo;
      const number = Number(params.number);
      const item = repo && org.issueItems(repo, "all").find((i) => i.number === number);
      if (!repo || !item || (params.items === "pulls" && !item.isPull)) return answered(send, headers);
      send(200, params.items === "pulls" ? pullJson(org, repo, item) : issueJson(org, repo, item), headers);
      return true;
    }
    case "GET /orgs/{org}/teams/{slug}": {
      const team = isOrg(org, params.org) ? org.teams().find((t) => t.slug === params.slug) : undefined;
      send(team ? 200 : 404, team ?? NOT_FOUND, headers);
      return true;
    }
    case "GET /orgs/{org}/hooks":
      if (!isOrg(org, params.org)) return answered(send, headers);
      send(200, state.hooks.map(shown), headers);
      return true;
    case "POST /orgs/{org}/hooks":
    case "PATCH /orgs/{org}/hooks/{id}": {
      if (!isOrg(org, params.org)) return answered(send, headers);
      const creating = route.name.startsWith("POST");
      const existing = creating ? undefined : state.hooks.find((h) => String(h.id) === params.id);
      if (!creating && !existing) return answered(send, headers);
      let input: Json;
      try {
        input = JSON.parse(body) as Json;
      } catch {
        return answered(send, headers, 400, { message: "Problems parsing JSON" });
      }
      const problem = hookProblem(input, creating);
      if (problem) {
        send(
          422,
          {
            message: "Validation Failed",
            errors: [problem],
            documentation_url: "https://docs.github.com/rest",
          },
          headers,
        );
        return true;
      }
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      const config = input.config as Json | undefined;
      if (existing) {
        if (config) existing.config = { insecure_ssl: "0", content_type: "form", ...config };
        if (Array.isArray(input.events)) existing.events = input.events;
        if (typeof input.active === "boolean") existing.active = input.active;
        existing.updated_at = now;
        send(200, shown(existing), headers);
        return true;
      }
      const id = 400_000 + state.hooks.length + 1;
      const hook: Json = {
        id,
        type: "Organization",
        name: "web",
        active: input.active ?? true,
        events: input.events ?? ["push"],
        config: { insecure_ssl: "0", content_type: "form", ...config },
        url: `${org.apiUrl}/orgs/${org.login}/hooks/${id}`,
        ping_url: `${org.apiUrl}/orgs/${org.login}/hooks/${id}/pings`,
        deliveries_url: `${org.apiUrl}/orgs/${org.login}/hooks/${id}/deliveries`,
        created_at: now,
        updated_at: now,
      };
      state.hooks.push(hook);
      send(201, shown(hook), headers);
      return true;
    }
    default:
      return false;
  }
}

function answered(
  send: Send,
  headers: Record<string, string>,
  status = 404,
  body: unknown = NOT_FOUND,
): true {
  send(status, body, headers);
  return true;
}

function isOrg(org: FakeOrg, login: string | undefined): boolean {
  return login?.toLowerCase() === org.login.toLowerCase();
}

/** GitHub never shows a webhook's secret back. */
function shown(hook: Json): Json {
  const config = { ...(hook.config as Json) };
  if (config.secret !== undefined) config.secret = "********";
  return { ...hook, config };
}

function hookProblem(input: Json, creating: boolean): Json | undefined {
  if (creating && input.name !== "web")
    return { resource: "Hook", code: "custom", field: "name", message: "Name must be 'web'" };
  const config = input.config as Json | undefined;
  if (
    (creating || config !== undefined) &&
    (typeof config?.url !== "string" || !/^https?:\/\//.test(config.url))
  )
    return { resource: "Hook", code: "custom", field: "url", message: "url is not a valid URL" };
  if (
    input.events !== undefined &&
    !(Array.isArray(input.events) && input.events.every((e) => typeof e === "string"))
  )
    return { resource: "Hook", code: "invalid", field: "events" };
  if (config?.content_type !== undefined && !["json", "form"].includes(String(config.content_type)))
    return { resource: "Hook", code: "invalid", field: "content_type" };
  return undefined;
}
