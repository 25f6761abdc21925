import { Agent } from "undici";
import { HttpClient } from "../../http/client.ts";
import { sharedDispatcher } from "../../http/dispatcher.ts";
import { Limiter } from "../../port/limiter.ts";
import { SelectorError } from "../errors.ts";
import type { Kind, PageOptions, ResolvedSettings, Source, SourceDefinition } from "../types.ts";
import {
  type AuthOptions,
  type CustomAuthRequest,
  type CustomAuthTemplate,
  createAuth,
  stringValues,
} from "./auth.ts";
import { jqFirst, jqOutputs } from "./jq.ts";
import { endpointPages, type PaginationOptions } from "./pages.ts";
import { type EndpointRequest, type Sender, sendJson } from "./request.ts";
import { type PathParameter, parseHttpSelector, pathParameterNames } from "./selector.ts";
import { type AuthType, checkHttpSettings, HTTP_SETTINGS, type PaginationType } from "./settings.ts";

export { HttpJqError } from "./jq.ts";
export { type HttpSelector, httpSelectorSchema, parseHttpSelector } from "./selector.ts";
export { AUTH_TYPES, HTTP_SETTINGS, PAGINATION_TYPES } from "./settings.ts";

export interface HttpSourceOptions {
  baseUrl: string;
  auth: AuthOptions;
  pagination: PaginationOptions;
  timeoutMs?: number;
  verifySsl?: boolean;
  maxConcurrentRequests?: number;
  /** Retry timing of `lib/http` (tests shorten it). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

/**
 * Ocean's generic HTTP ("custom") integration as a source: every kind is an endpoint path
 * (`/api/v1/users`), its selector carries the request (`method`, `query_params`, `headers`,
 * `body`) and where the items are in the response (`data_path`, jq). An endpoint with
 * `{param}`s is partitioned: each partition is one set of values, discovered from another
 * endpoint (`path_parameters`), and each item gets them as `__param`, as in Ocean.
 *
 * @example
 * const source = createHttpSource({ baseUrl: "https://api.example.com", auth: { type: "none" }, pagination });
 * for await (const page of getKind(source, "/api/v1/users").pages({ selector: { data_path: ".users" } })) save(page.items);
 */
export function createHttpSource(options: HttpSourceOptions): Source {
  // Only a source that skips TLS verification has (and closes) a dispatcher of its own.
  const insecure =
    options.verifySsl === false ? new Agent({ connect: { rejectUnauthorized: false } }) : undefined;
  const dispatcher = insecure ?? sharedDispatcher();
  const client = new HttpClient({
    baseUrl: options.baseUrl,
    userAgent: "tide-http-source",
    timeoutMs: options.timeoutMs,
    dispatcher,
    retry: options.retry,
  });
  const sender: Sender = {
    client,
    auth: createAuth(options.auth, client),
    limiter: new Limiter(options.maxConcurrentRequests ?? 10),
  };
  const kinds = new Map<string, Kind>();
  return {
    name: "http",
    kinds: {},
    kind(name) {
      if (!name.startsWith("/") && !/^https?:\/\//.test(name)) return undefined;
      let kind = kinds.get(name);
      if (!kind) {
        kind = endpointKind(name, sender, options.pagination);
        kinds.set(name, kind);
      }
      return kind;
    },
    async close() {
      await insecure?.close();
    },
  };
}

function endpointKind(name: string, sender: Sender, pagination: PaginationOptions): Kind {
  const template = name;
  const parameters = pathParameterNames(template);
  async function* pages(options: PageOptions = {}) {
    const selector = parseHttpSelector(name, options.selector ?? {});
    const values =
      options.partition === undefined ? {} : (JSON.parse(options.partition) as Record<string, string>);
    const path = (selector.endpoint ?? template).replace(/\{(\w+)\}/g, (_, p: string) =>
      encodeURIComponent(values[p] ?? `{${p}}`),
    );
    const request: EndpointRequest = {
      method: selector.method,
      path: path.startsWith("/") || /^https?:/.test(path) ? path : `/${path}`,
      query: stringValues(selector.query_params),
      headers: selector.headers ?? {},
      body: selector.body,
    };
    const call = { signal: options.signal, waitBudgetMs: options.waitBudgetMs };
    yield* endpointPages(
      request,
      pagination,
      {
        send: (r) => sendJson(sender, r, call),
        items: async (data) => withParameters(await itemsOf(data, selector.data_path, name), values),
        signal: options.signal,
      },
      options.cursor,
    );
  }
  if (parameters.length === 0) return { name, pages };
  return {
    name,
    pages,
    async *partitions(options = {}) {
      const selector = parseHttpSelector(name, options.selector ?? {});
      const lists: Array<[string, string[]]> = [];
      for (const parameter of parameters) {
        const spec = selector.path_parameters?.[parameter];
        if (!spec)
          throw new SelectorError(name, `path_parameters.${parameter}`, undefined, [
            `{ endpoint, field } saying where the values of {${parameter}} come from`,
          ]);
        lists.push([parameter, await discover(name, parameter, spec, sender, pagination, options)]);
      }
      for (const combination of product(lists)) yield JSON.stringify(combination);
    },
  };
}

/** The values of one path parameter: `field` of each item of its endpoint that passes `filter`. */
async function discover(
  kind: string,
  parameter: string,
  spec: PathParameter,
  sender: Sender,
  pagination: PaginationOptions,
  options: { signal?: AbortSignal; waitBudgetMs?: number },
): Promise<string[]> {
  const where = `kind ${kind}: selector.path_parameters.${parameter}`;
  const request: EndpointRequest = {
    method: spec.method,
    path: spec.endpoint.startsWith("/") ? spec.endpoint : `/${spec.endpoint}`,
    query: stringValues(spec.query_params),
    headers: spec.headers ?? {},
  };
  const program = spec.filter ? `[.[] | select(${spec.filter}) | ${spec.field}]` : `[.[] | ${spec.field}]`;
  const values = new Set<string>();
  const pages = endpointPages(
    request,
    pagination,
    {
      send: (r) => sendJson(sender, r, options),
      items: (data) => itemsOf(data, spec.data_path, kind),
      signal: options.signal,
    },
    undefined,
  );
  for await (const page of pages) {
    const [found] = await jqOutputs(program, page.items, `${where} (field/filter)`);
    for (const value of (found as unknown[]) ?? []) {
      if (value === null || value === undefined) continue;
      values.add(typeof value === "string" ? value : JSON.stringify(value));
    }
  }
  return [...values];
}

/** Every combination of the parameters' values. */
function product(lists: Array<[string, string[]]>): Array<Record<string, string>> {
  let combinations: Array<Record<string, string>> = [{}];
  for (const [name, values] of lists)
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return combinations;
}

/** The items of a response: `data_path` (jq) applied; a list is its items, anything else one item. */
async function itemsOf(data: unknown, dataPath: string | undefined, kind: string): Promise<unknown[]> {
  const path = dataPath?.trim() || ".";
  const extracted = path === "." ? data : await jqFirst(path, data, `kind ${kind}: selector.data_path`);
  if (Array.isArray(extracted)) return extracted;
  return extracted === null || extracted === undefined ? [] : [extracted];
}

function withParameters(items: unknown[], values: Record<string, string>): unknown[] {
  const entries = Object.entries(values);
  if (entries.length === 0) return items;
  return items.map((item) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? { ...item, ...Object.fromEntries(entries.map(([k, v]) => [`__${k}`, v])) }
      : item,
  );
}

const text = (settings: ResolvedSettings, name: string) => {
  const value = settings[name];
  return value === undefined ? undefined : String(value);
};

/** The HTTP source's options from its checked settings (`HTTP_*`). */
export function httpOptionsFromSettings(settings: ResolvedSettings): HttpSourceOptions {
  const json = <T>(name: string) => {
    const raw = text(settings, name);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  };
  return {
    baseUrl: String(settings.HTTP_BASE_URL),
    auth: {
      type: (text(settings, "HTTP_AUTH_TYPE") ?? "none") as AuthType,
      apiToken: text(settings, "HTTP_API_TOKEN"),
      username: text(settings, "HTTP_USERNAME"),
      password: text(settings, "HTTP_PASSWORD"),
      apiKey: text(settings, "HTTP_API_KEY"),
      apiKeyHeader: text(settings, "HTTP_API_KEY_HEADER"),
      customRequest: json<CustomAuthRequest>("HTTP_CUSTOM_AUTH_REQUEST"),
      customTemplate: json<CustomAuthTemplate>("HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE"),
    },
    pagination: {
      type: (text(settings, "HTTP_PAGINATION_TYPE") ?? "none") as PaginationType,
      pageSize: Number(settings.HTTP_PAGE_SIZE ?? 100),
      paginationParam: text(settings, "HTTP_PAGINATION_PARAM"),
      sizeParam: text(settings, "HTTP_SIZE_PARAM"),
      startPage: Number(settings.HTTP_START_PAGE ?? 1),
      cursorPath: text(settings, "HTTP_CURSOR_PATH"),
      hasMorePath: text(settings, "HTTP_HAS_MORE_PATH"),
      lastPagePath: text(settings, "HTTP_LAST_PAGE_PATH"),
      nextLinkPath: text(settings, "HTTP_NEXT_LINK_PATH") ?? "@odata.nextLink",
      headerLinkRel: text(settings, "HTTP_HEADER_LINK_REL") ?? "next",
    },
    timeoutMs: Number(settings.HTTP_TIMEOUT ?? 30) * 1000,
    verifySsl: settings.HTTP_VERIFY_SSL !== false,
    maxConcurrentRequests: Number(settings.HTTP_MAX_CONCURRENT_REQUESTS ?? 10),
  };
}

/** The built-in `http` source (`--source http`, `TIDE_SOURCE=http`). */
export const httpSource: SourceDefinition = {
  name: "http",
  settings: HTTP_SETTINGS,
  check: checkHttpSettings,
  create: (settings) => createHttpSource(httpOptionsFromSettings(settings)),
};
