import type { HttpClient, HttpResponse } from "../../http/client.ts";
import { header } from "../../http/retry-after.ts";
import type { Limiter } from "../../port/limiter.ts";
import { SourceHttpError } from "../errors.ts";
import type { Auth } from "./auth.ts";
import type { HttpMethod } from "./selector.ts";

/** One request of an endpoint kind, before pagination and credentials are added. */
export interface EndpointRequest {
  method: HttpMethod;
  /** A path under the base URL, or an absolute URL on the same API (a next link). */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Sender {
  client: HttpClient;
  auth: Auth;
  limiter: Limiter;
}

export interface JsonResponse {
  data: unknown;
  headers: HttpResponse["headers"];
}

/**
 * Sends one request with the source's credentials, at most `maxConcurrentRequests` at once,
 * retried by `lib/http` on 429/5xx with its rate-limit headers honoured; after a 401 under
 * custom authentication, authenticates again and retries once.
 * @throws {SourceHttpError} for a final non-2xx answer; never shows a credential.
 */
export async function sendJson(
  sender: Sender,
  request: EndpointRequest,
  options: { signal?: AbortSignal; waitBudgetMs?: number } = {},
): Promise<JsonResponse> {
  const attempt = async () => {
    const credentials = await sender.auth.credentials();
    const body =
      credentials.body && (request.body === undefined || isPlainObject(request.body))
        ? { ...(request.body as Record<string, unknown> | undefined), ...credentials.body }
        : request.body;
    return sender.limiter.run(() =>
      sender.client.request({
        method: request.method,
        path: request.path,
        query: { ...request.query, ...credentials.query },
        headers: { ...request.headers, ...credentials.headers },
        body,
        signal: options.signal,
        waitBudgetMs: options.waitBudgetMs,
      }),
    );
  };
  let res = await attempt();
  if (res.status === 401 && (await sender.auth.refresh())) res = await attempt();
  if (res.status < 200 || res.status >= 300) {
    throw new SourceHttpError({
      source: "http",
      method: request.method,
      path: res.path,
      status: res.status,
      apiMessage: apiMessage(res.text),
      requestId: header(res.headers, "x-request-id"),
      hint: res.status === 401 || res.status === 403 ? "check HTTP_AUTH_TYPE and its credentials" : undefined,
    });
  }
  if (res.text.trim() === "") return { data: null, headers: res.headers };
  try {
    return { data: JSON.parse(res.text), headers: res.headers };
  } catch {
    throw new Error(
      `http: ${request.method} ${res.path} answered ${res.status} with a body that is not JSON`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The API's own short message from an error body (`message`, `error`, `detail`), clipped. */
function apiMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const message = body.message ?? body.error_description ?? body.error ?? body.detail;
    if (typeof message === "string") return message.slice(0, 200);
  } catch {
    // not JSON: no message
  }
  return undefined;
}
