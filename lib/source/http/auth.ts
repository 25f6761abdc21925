import { HttpClient } from "../../http/client.ts";
import { SourceHttpError } from "../errors.ts";
import { fillTemplate } from "./jq.ts";
import type { HttpMethod } from "./selector.ts";
import type { AuthType } from "./settings.ts";

/** What authentication adds to one request. */
export interface Credentials {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Merged into a JSON request body (custom auth's template `body`). */
  body?: Record<string, unknown>;
}

/** Ocean's `customAuthRequest`: the request that obtains credentials. */
export interface CustomAuthRequest {
  endpoint: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  bodyForm?: string;
  queryParams?: Record<string, unknown>;
  reauthenticateIntervalSeconds?: number;
}

/** Ocean's `customAuthRequestTemplate`: where the credentials go, `{{.jq}}` filled from the auth response. */
export interface CustomAuthTemplate {
  headers?: Record<string, string>;
  queryParams?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

export interface AuthOptions {
  type: AuthType;
  apiToken?: string;
  username?: string;
  password?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  customRequest?: CustomAuthRequest;
  customTemplate?: CustomAuthTemplate;
}

/** Adds credentials to requests; `custom` auth fetches them and fetches again when they expire or a 401 says so. */
export interface Auth {
  credentials(): Promise<Credentials>;
  /** After a 401: true when new credentials were obtained (the request is then retried once). */
  refresh(): Promise<boolean>;
}

const none = (): Credentials => ({ headers: {}, query: {} });

/**
 * The authentication of Ocean's custom integration: `none`, `bearer_token`, `basic`,
 * `api_key` (a header, `X-API-Key` unless `apiKeyHeader` says otherwise) or `custom`.
 *
 * @example
 * const auth = createAuth({ type: "bearer_token", apiToken: process.env.HTTP_API_TOKEN }, client);
 * const { headers } = await auth.credentials(); // { authorization: "Bearer …" }
 */
export function createAuth(options: AuthOptions, client: HttpClient, now: () => number = Date.now): Auth {
  const fixed = (c: Credentials): Auth => ({ credentials: async () => c, refresh: async () => false });
  switch (options.type) {
    case "none":
      return fixed(none());
    case "bearer_token":
      return fixed({ headers: { authorization: `Bearer ${options.apiToken}` }, query: {} });
    case "basic": {
      const pair = Buffer.from(`${options.username}:${options.password}`).toString("base64");
      return fixed({ headers: { authorization: `Basic ${pair}` }, query: {} });
    }
    case "api_key":
      return fixed({ headers: { [options.apiKeyHeader || "X-API-Key"]: String(options.apiKey) }, query: {} });
    case "custom":
      return customAuth(
        options.customRequest as CustomAuthRequest,
        options.customTemplate ?? {},
        client,
        now,
      );
  }
}

function customAuth(
  request: CustomAuthRequest,
  template: CustomAuthTemplate,
  apiClient: HttpClient,
  now: () => number,
): Auth {
  let current: Promise<{ credentials: Credentials; at: number }> | undefined;
  // Ocean refreshes 60 s before the interval ends.
  const lifetimeMs =
    request.reauthenticateIntervalSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, request.reauthenticateIntervalSeconds - 60) * 1000;
  const authenticate = async () => {
    const absolute = /^https?:\/\//.test(request.endpoint);
    // The auth endpoint may live on another host (an identity provider): a client of its own.
    const client = absolute
      ? new HttpClient({ baseUrl: new URL(request.endpoint).origin, userAgent: "tide-http-source" })
      : apiClient;
    const method = request.method ?? "POST";
    const res = await client.request({
      method,
      path: absolute ? request.endpoint : `/${request.endpoint.replace(/^\/+/, "")}`,
      headers: request.headers,
      query: stringValues(request.queryParams),
      body: request.bodyForm === undefined ? request.body : undefined,
      form: request.bodyForm,
    });
    if (res.status < 200 || res.status >= 300)
      throw new SourceHttpError({
        source: "http",
        method,
        path: res.path,
        status: res.status,
        hint: "the custom authentication request (HTTP_CUSTOM_AUTH_REQUEST) was refused",
      });
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new Error(`http: the custom authentication response of ${res.path} is not JSON`);
    }
    const where = "HTTP_CUSTOM_AUTH_REQUEST_TEMPLATE";
    const filled = (await fillTemplate(template, data, where)) as CustomAuthTemplate;
    const credentials: Credentials = {
      headers: Object.fromEntries(Object.entries(filled.headers ?? {}).map(([k, v]) => [k, String(v)])),
      query: stringValues(filled.queryParams),
      body: filled.body,
    };
    return { credentials, at: now() };
  };
  const fresh = () => {
    current = authenticate();
    current.catch(() => {
      current = undefined;
    });
    return current;
  };
  return {
    async credentials() {
      const got = await (current ?? fresh());
      if (now() - got.at < lifetimeMs) return got.credentials;
      return (await fresh()).credentials;
    },
    async refresh() {
      await fresh();
      return true;
    },
  };
}

/** Query values as strings (YAML may give numbers and booleans). */
export function stringValues(values: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (value === undefined || value === null) continue;
    out[key] =
      typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return out;
}
