import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import { type Dispatcher, fetch as undiciFetch } from "undici";
import { sharedDispatcher } from "../../http/dispatcher.ts";
import { appTokenCache, createAppJwt, readPrivateKey } from "./app-auth.ts";
import type { Clock } from "./pause.ts";

/** The Octokit class Tide talks to GitHub with: throttling (concurrency, rate-limit detection) and retries. */
export const TideOctokit = Octokit.plugin(retry, throttling);
export type TideOctokit = InstanceType<typeof TideOctokit>;

/** Default requests in flight at once, as Octokit's throttling and Ocean use. */
export const DEFAULT_MAX_CONCURRENCY = 10;

/**
 * Each answer's Response, by its body. Asked not to parse (see `client.ts`), Octokit keeps
 * only the body stream, and undici cancels the body of a Response that was garbage-collected.
 */
const answers = new WeakMap<object, Response>();

/** The bytes of a body Octokit handed back unparsed; empty for none. */
export async function answerBytes(body: unknown): Promise<Buffer> {
  const answer = typeof body === "object" && body !== null ? answers.get(body) : undefined;
  return answer ? Buffer.from(await answer.arrayBuffer()) : Buffer.alloc(0);
}

/**
 * What the throttling plugin saw on one request: set by its handlers, read by the client
 * once the request failed. A class, so that Octokit's option merging passes it by reference.
 */
export class LimitSeen {
  kind: "secondary" | "primary" | undefined;
  retryAfterSec = 0;
}

export interface OctokitOptions {
  apiUrl: string;
  userAgent: string;
  token?: string | undefined;
  app?:
    | { appId: string; privateKey: string; installationId: string | number; refreshBeforeExpiryMs?: number }
    | undefined;
  clock: Clock;
  dispatcher?: Dispatcher | undefined;
  timeoutMs?: number | undefined;
  maxConcurrency?: number | undefined;
  /** Retries of 5xx and network errors (plugin-retry): how many, and the unit of its `(n+1)²` backoff. */
  retries?: number | undefined;
  retryBaseMs?: number | undefined;
  warn(message: string): void;
}

/**
 * Builds the Octokit client: undici's fetch on the project's connection pool with a
 * per-attempt timeout; `@octokit/plugin-throttling` caps requests in flight and recognises
 * primary and secondary limits (its handlers only record them: the client waits, see
 * `client.ts`); `@octokit/plugin-retry` retries 5xx and network errors; `@octokit/auth-app`
 * exchanges the App's JWT for installation tokens, cached on the client's clock.
 */
export function createOctokit(options: OctokitOptions): { octokit: TideOctokit; dropAppToken?: () => void } {
  const dispatcher = options.dispatcher ?? sharedDispatcher();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fetch = (url: string | URL, init: RequestInit = {}) => {
    // A fresh timeout for each attempt: one signal for all of them would fail every retry at once.
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const answer = undiciFetch(url, {
      ...(init as object),
      signal,
      dispatcher,
    }) as unknown as Promise<Response>;
    return answer.then((res) => {
      if (res.body) answers.set(res.body, res);
      return res;
    });
  };
  const record =
    (kind: "secondary" | "primary") =>
    (retryAfter: number, request: { request?: { limit?: unknown } }): boolean => {
      const seen = request.request?.limit;
      if (seen instanceof LimitSeen) {
        seen.kind = kind;
        seen.retryAfterSec = retryAfter;
      }
      // Never retry here: the client pauses every request, backs off and minds the caller's budget.
      return false;
    };
  const app = options.app ? appAuthOptions(options.app, options.clock) : undefined;
  const auth = app ? { authStrategy: createAppAuth, auth: app } : { auth: options.token };
  const octokit = new TideOctokit({
    ...auth,
    baseUrl: options.apiUrl,
    userAgent: options.userAgent,
    request: { fetch },
    log: { debug() {}, info() {}, warn: options.warn, error: options.warn },
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
      // 429 and 403 are rate limits: the throttling plugin's and the client's business. 409 is
      // final too ("Git Repository is empty" for a tree): trying again would only wait.
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    throttle: {
      onSecondaryRateLimit: record("secondary"),
      onRateLimit: record("primary"),
      // The plugin's own groups are per process and fixed at 10; this one is per client.
      global: new Bottleneck.Group({ maxConcurrent: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY }),
    } as never,
  });
  return { octokit, dropAppToken: app?.cache.drop };
}

function appAuthOptions(app: NonNullable<OctokitOptions["app"]>, clock: Clock) {
  const privateKey = readPrivateKey(app.privateKey);
  return {
    appId: app.appId,
    installationId: Number(app.installationId),
    // Our own JWT (same claims as auth-app's) so that it is signed on the client's clock.
    createJwt: async (appId: string | number, timeDifference?: number) => {
      const now = clock.now() + (timeDifference ?? 0) * 1000;
      const jwt = createAppJwt({ appId: String(appId), privateKey, now });
      return { jwt, expiresAt: new Date(now + 540_000).toISOString() };
    },
    cache: appTokenCache(clock, app.refreshBeforeExpiryMs),
  };
}
