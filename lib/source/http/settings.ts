import type { SettingSpec } from "../settings.ts";
import type { ResolvedSettings, SettingProblem } from "../types.ts";

export const AUTH_TYPES = ["none", "bearer_token", "basic", "api_key", "custom"] as const;
export const PAGINATION_TYPES = ["none", "offset", "page", "cursor", "next_link", "header_link"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];
export type PaginationType = (typeof PAGINATION_TYPES)[number];

/** `baseUrl` → `BASE_URL`: Ocean's setting name as an environment variable suffix. */
const capitals = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/**
 * One setting of Ocean's custom integration (its `.port/spec.yaml`), read from `HTTP_` + the
 * name in capitals, or else from Ocean's own `OCEAN__INTEGRATION__CONFIG__` variable, so an
 * Ocean installation's environment works unchanged.
 */
function setting(
  name: string,
  spec: Omit<SettingSpec, "name" | "aliases">,
  oceanAliases: readonly string[] = [],
): SettingSpec {
  const suffix = capitals(name);
  return {
    name: `HTTP_${suffix}`,
    aliases: [`OCEAN__INTEGRATION__CONFIG__${suffix}`, ...oceanAliases],
    ...spec,
  };
}

export const HTTP_SETTINGS: SettingSpec[] = [
  setting("baseUrl", { type: "url", required: true, description: "the API's base URL" }),
  setting("authType", { type: "string", default: "none", description: AUTH_TYPES.join(", ") }),
  setting("apiToken", { type: "string", sensitive: true, description: "the bearer token (bearer_token)" }),
  setting("username", { type: "string", description: "the user (basic)" }),
  setting("password", { type: "string", sensitive: true, description: "the password (basic)" }),
  setting("apiKey", { type: "string", sensitive: true, description: "the API key (api_key)" }),
  setting("apiKeyHeader", { type: "string", default: "X-API-Key", description: "the API key's header" }),
  setting("paginationType", { type: "string", default: "none", description: PAGINATION_TYPES.join(", ") }),
  setting("pageSize", { type: "number", default: "100", description: "items per page" }),
  // Ocean's older variable names (its example .env files still use them) mean the same.
  setting("paginationParam", { type: "string", description: "the page/offset/cursor parameter" }, [
    "HTTP_OFFSET_PARAM",
    "HTTP_PAGE_PARAM",
    "HTTP_CURSOR_PARAM",
    "OCEAN__INTEGRATION__CONFIG__OFFSET_PARAM",
    "OCEAN__INTEGRATION__CONFIG__PAGE_PARAM",
    "OCEAN__INTEGRATION__CONFIG__CURSOR_PARAM",
  ]),
  setting("sizeParam", { type: "string", description: "the page size parameter" }, [
    "HTTP_LIMIT_PARAM",
    "OCEAN__INTEGRATION__CONFIG__LIMIT_PARAM",
  ]),
  setting("startPage", { type: "number", default: "1", description: "the first page's number (page)" }),
  setting("cursorPath", { type: "string", description: "dot path of the next cursor (cursor)" }),
  setting("hasMorePath", { type: "string", description: "dot path of a 'more pages' flag" }),
  setting("lastPagePath", { type: "string", description: "dot path of a 'last page' flag (page)" }),
  setting("nextLinkPath", {
    type: "string",
    default: "@odata.nextLink",
    description: "path of the next page's URL (next_link)",
  }),
  setting("headerLinkRel", { type: "string", default: "next", description: "the Link header's rel" }),
  setting("timeout", { type: "number", default: "30", description: "request timeout, seconds" }),
  setting("verifySsl", { type: "boolean", default: "true", description: "verify TLS certificates" }),
  setting("maxConcurrentRequests", { type: "number", default: "10", description: "requests at once" }),
  setting("customAuthRequest", {
    type: "string",
    sensitive: true,
    description: "JSON: the request that obtains credentials (custom)",
  }),
  setting("customAuthRequestTemplate", {
    type: "string",
    description: 'JSON: where the credentials go, e.g. {"headers":{"Authorization":"Bearer {{.token}}"}}',
  }),
];

/** The environment variable of a setting, for messages. */
export const envName = (name: string) => `HTTP_${capitals(name)}`;

/** Checks of Ocean's spec that involve several settings: enums, and what each auth type needs. */
export function checkHttpSettings(settings: ResolvedSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const authType = String(settings.HTTP_AUTH_TYPE ?? "none");
  const paginationType = String(settings.HTTP_PAGINATION_TYPE ?? "none");
  if (!(AUTH_TYPES as readonly string[]).includes(authType))
    problems.push({
      setting: envName("authType"),
      message: `"${authType}": use one of ${AUTH_TYPES.join(", ")}`,
    });
  if (!(PAGINATION_TYPES as readonly string[]).includes(paginationType))
    problems.push({
      setting: envName("paginationType"),
      message: `"${paginationType}": use one of ${PAGINATION_TYPES.join(", ")}`,
    });
  const needs: Record<string, string[]> = {
    bearer_token: ["apiToken"],
    basic: ["username", "password"],
    api_key: ["apiKey"],
    custom: ["customAuthRequest", "customAuthRequestTemplate"],
  };
  for (const name of needs[authType] ?? []) {
    if (settings[envName(name)] === undefined)
      problems.push({ setting: envName(name), message: `required when HTTP_AUTH_TYPE is ${authType}` });
  }
  for (const name of ["customAuthRequest", "customAuthRequestTemplate"]) {
    const raw = settings[envName(name)];
    if (raw === undefined) continue;
    try {
      const value = JSON.parse(String(raw));
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    } catch {
      // The value may hold a client secret: say what is wrong, never what it is.
      problems.push({ setting: envName(name), message: "is not a JSON object" });
    }
  }
  const size = Number(settings.HTTP_PAGE_SIZE ?? 100);
  if (!Number.isInteger(size) || size < 1)
    problems.push({ setting: envName("pageSize"), message: `${size} is not a positive whole number` });
  const concurrency = Number(settings.HTTP_MAX_CONCURRENT_REQUESTS ?? 10);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    problems.push({
      setting: envName("maxConcurrentRequests"),
      message: `${concurrency} is not a positive whole number`,
    });
  return problems;
}
