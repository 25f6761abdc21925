import type { Dispatcher } from "undici";
import pkg from "../../package.json" with { type: "json" };
import { type Clock, HttpClient, header, type RetryEvent, type RetryOptions } from "../http/index.ts";
import { TokenSource } from "./auth.ts";
import type { Blueprint, Integration, ResyncState } from "./blueprint.ts";
import { type DeleteOptions, type DeleteResult, deleteEntities } from "./delete.ts";
import type { Entity, PortEntity, SearchQuery } from "./entity.ts";
import { PortConfigError, PortValidationError } from "./errors.ts";
import { validateBlueprintIdentifier } from "./identifiers.ts";
import {
  createIntegration,
  type IntegrationLogLine,
  type IntegrationPatch,
  type NewIntegration,
  patchIntegration,
  postKindExamples,
  putIntegrationConfig,
} from "./integration.ts";
import { Limiter } from "./limiter.ts";
import { LogIngest } from "./log-ingest.ts";
import { type SearchOptions, searchEntities } from "./search.ts";
import { type PortStats, routeKind, StatsCounter } from "./stats.ts";
import { blueprintPath, type PortCall, type PortReply, type PortTransport, toApiError } from "./transport.ts";
import { type UpsertOptions, type UpsertResult, upsertEntities } from "./upsert.ts";

export interface PortClientOptions {
  clientId: string;
  clientSecret: string;
  /** `https://api.port.io` (EU, the default), `https://api.us.port.io` (US), or any URL (tests). */
  baseUrl?: string;
  /** This integration's identifier in Port; part of the User-Agent, hence of `$datasource`. */
  integrationId?: string;
  /** e.g. `github`; part of the User-Agent. Default `custom`. */
  integrationType?: string;
  /** Tide's version, for the User-Agent. Default: the package version. */
  version?: string;
  /** Requests in flight at once, across every call on this client. Default 8. */
  concurrency?: number;
  /**
   * Per-request timeout (headers and body), in ms. Default 60 s, as Ocean waits: Port can be slow
   * under heavy use. A timed-out request is retried; an upsert that timed out may have been
   * applied, which is harmless because upserts are idempotent.
   */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** An undici dispatcher; default the process-wide pool. */
  dispatcher?: Dispatcher;
  /** Called before each retry (for logs); never given secrets. */
  onRetry?: (event: RetryEvent) => void;
  /** Whose time Port's rate-limit window and retry waits are on; default the real one. */
  clock?: Clock;
}

export const DEFAULT_BASE_URL = "https://api.port.io";
/** How long a Port request may take before it is abandoned and retried (Ocean: 60 s). */
export const DEFAULT_PORT_TIMEOUT_MS = 60_000;

/**
 * The Port API client: auth, bulk upserts, search, deletes, blueprints and resync state, with
 * retries, rate-limit pacing and a concurrency bound shared by every call on the client.
 *
 * @example
 * const port = PortClient.fromEnv(process.env, { integrationId: "my-github", integrationType: "github" });
 * const results = await port.upsertEntities("service", entities, { merge: true, createMissingRelatedEntities: true });
 * for (const r of results) if (!r.ok) console.error(`${r.identifier}: ${r.message} (trace ${r.traceId})`);
 */
export class PortClient {
  readonly baseUrl: string;
  readonly integrationId: string;
  /** `tide/<version>/<integrationId>/<integrationType>`: Port records it as each entity's `$datasource`. */
  readonly userAgent: string;
  /**
   * The part of `$datasource` that identifies this integration whatever Tide's version:
   * reconciliation searches for it with `contains` (see {@link PortClient.datasourceQuery}).
   */
  readonly datasource: string;
  readonly concurrency: number;
  /** Per-request timeout in ms (default {@link DEFAULT_PORT_TIMEOUT_MS}). */
  readonly timeoutMs: number;
  readonly #http: HttpClient;
  readonly #tokens: TokenSource;
  readonly #limiter: Limiter;
  readonly #stats = new StatsCounter();
  readonly #transport: PortTransport;
  readonly #logIngest: LogIngest;

  constructor(options: PortClientOptions) {
    const missing = (["clientId", "clientSecret"] as const).filter((k) => !options[k]?.trim());
    if (missing.length > 0)
      throw new PortConfigError([...missing], `PortClient: ${missing.join(" and ")} must be set`);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    if (!/^https?:\/\//.test(this.baseUrl) || !URL.canParse(this.baseUrl)) {
      throw new PortConfigError(["baseUrl"], "PortClient: baseUrl must be an http(s) URL");
    }
    this.integrationId = options.integrationId ?? "tide";
    const type = options.integrationType ?? "custom";
    this.userAgent = `tide/${options.version ?? pkg.version}/${this.integrationId}/${type}`;
    this.datasource = `/${this.integrationId}/${type}`;
    this.concurrency = options.concurrency ?? 8;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PORT_TIMEOUT_MS;
    this.#limiter = new Limiter(this.concurrency);
    this.#http = new HttpClient({
      baseUrl: this.baseUrl,
      userAgent: this.userAgent,
      dispatcher: options.dispatcher,
      timeoutMs: this.timeoutMs,
      retry: options.retry,
      clock: options.clock,
      onRetry: (event) => {
        this.#stats.retry(routeKind(event.method, event.path));
        options.onRetry?.(event);
      },
    });
    this.#tokens = new TokenSource(this.#http, {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      onRequest: () => this.#stats.request("auth"),
    });
    this.#logIngest = new LogIngest({
      userAgent: this.userAgent,
      dispatcher: options.dispatcher,
      timeoutMs: this.timeoutMs,
      token: () => this.#tokens.token(),
      redact: (text) => this.#tokens.redact(text),
      onRequest: () => this.#stats.request("integration"),
    });
    this.#transport = {
      send: (call) => this.#send(call),
      limit: (task) => this.#limiter.run(task),
      redact: (text) => this.#tokens.redact(text),
    };
  }

  /**
   * A client from `PORT_CLIENT_ID`, `PORT_CLIENT_SECRET`, `PORT_BASE_URL`, `TIDE_PORT_TIMEOUT_MS`
   * and `TIDE_INTEGRATION_ID`. Throws {@link PortConfigError} naming what is missing or invalid
   * (never values).
   *
   * @example
   * const port = PortClient.fromEnv(process.env, { integrationType: "github" });
   */
  static fromEnv(
    env: Record<string, string | undefined> = process.env,
    options: Partial<Omit<PortClientOptions, "clientId" | "clientSecret">> = {},
  ): PortClient {
    const missing = ["PORT_CLIENT_ID", "PORT_CLIENT_SECRET"].filter((name) => !env[name]?.trim());
    if (missing.length > 0) {
      const verb = missing.length > 1 ? "are" : "is";
      throw new PortConfigError(
        missing,
        `${missing.join(" and ")} ${verb} not set: Port credentials come from the environment`,
      );
    }
    const baseUrl = env.PORT_BASE_URL?.trim() || options.baseUrl;
    if (baseUrl !== undefined && !(/^https?:\/\//.test(baseUrl) && URL.canParse(baseUrl))) {
      throw new PortConfigError(
        ["PORT_BASE_URL"],
        "PORT_BASE_URL must be an http(s) URL such as https://api.port.io",
      );
    }
    const timeout = env.TIDE_PORT_TIMEOUT_MS?.trim();
    if (timeout && !/^[1-9][0-9]*$/.test(timeout)) {
      throw new PortConfigError(
        ["TIDE_PORT_TIMEOUT_MS"],
        "TIDE_PORT_TIMEOUT_MS must be a whole number of milliseconds above 0, e.g. 60000",
      );
    }
    return new PortClient({
      ...options,
      ...(timeout ? { timeoutMs: Number(timeout) } : {}),
      clientId: (env.PORT_CLIENT_ID ?? "").trim(),
      clientSecret: (env.PORT_CLIENT_SECRET ?? "").trim(),
      baseUrl,
      integrationId: options.integrationId ?? (env.TIDE_INTEGRATION_ID?.trim() || undefined),
    });
  }

  /** Requests sent so far, by route kind, retries included. */
  get stats(): PortStats {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  /** The entities this integration wrote, whatever Tide version wrote them. */
  get datasourceQuery(): SearchQuery {
    return {
      combinator: "and",
      rules: [
        { property: "$datasource", operator: "beginsWith", value: "tide/" },
        { property: "$datasource", operator: "contains", value: this.datasource },
      ],
    };
  }

  /**
   * Creates or updates entities of one blueprint in bulk requests (≤ 20 entities, ≤ 1 MiB each),
   * up to `concurrency` at once; a 413 halves the request down to single upserts. Returns one
   * result per entity, in order; entities Port would refuse (bad identifiers or keys) fail
   * without being sent. Throws only on auth failure, `RetryLaterError` or abort.
   *
   * @example
   * const results = await port.upsertEntities("service", [{ identifier: "api", blueprint: "service", properties: { lang: "ts" } }], { merge: true, createMissingRelatedEntities: false });
   */
  upsertEntities(
    blueprint: string,
    entities: readonly Entity[],
    options: UpsertOptions,
  ): Promise<UpsertResult[]> {
    return upsertEntities(this.#transport, blueprint, entities, options);
  }

  /**
   * Every matching entity, yielded one at a time while pages of up to `limit` are fetched as
   * needed with Port's `from`/`next` cursor.
   *
   * @example
   * for await (const e of port.searchEntities("service", { query: port.datasourceQuery, include: ["$identifier"] })) seen.add(e.identifier);
   */
  searchEntities(blueprint: string, options: SearchOptions): AsyncIterable<PortEntity> {
    return searchEntities(this.#transport, blueprint, options);
  }

  /**
   * Deletes entities in bulk requests of ≤ 100; a 404 counts as already gone. An entity blocked
   * by dependents (with `deleteDependents: false`) is reported in `failed` without blocking the rest.
   *
   * @example
   * const { deleted, failed } = await port.deleteEntities("service", stale, { deleteDependents: false });
   */
  deleteEntities(
    blueprint: string,
    identifiers: readonly string[],
    options: DeleteOptions,
  ): Promise<DeleteResult> {
    return deleteEntities(this.#transport, blueprint, identifiers, options);
  }

  /** The blueprint, or undefined when Port has none by that identifier. */
  async getBlueprint(identifier: string): Promise<Blueprint | undefined> {
    const reply = await this.#call({ method: "GET", path: this.#blueprintPath(identifier) });
    if (reply.status === 404) return undefined;
    return this.#expect(reply, [200], "blueprint") as Blueprint;
  }

  /** Creates a blueprint; throws `PortApiError` (409 when it exists). */
  async createBlueprint(blueprint: Blueprint): Promise<Blueprint> {
    this.#blueprintPath(blueprint.identifier);
    const reply = await this.#call({ method: "POST", path: "/v1/blueprints", body: blueprint });
    return this.#expect(reply, [200, 201], "blueprint") as Blueprint;
  }

  /** Changes the fields given (each top-level field sent replaces Port's). */
  async patchBlueprint(identifier: string, patch: Partial<Blueprint>): Promise<Blueprint> {
    const reply = await this.#call({ method: "PATCH", path: this.#blueprintPath(identifier), body: patch });
    return this.#expect(reply, [200], "blueprint") as Blueprint;
  }

  /** The integration (with its port-app-config in `config`), or undefined when Port does not know it. */
  async getIntegration(integrationId: string = this.integrationId): Promise<Integration | undefined> {
    const reply = await this.#call({
      method: "GET",
      path: `/v1/integration/${encodeURIComponent(integrationId)}`,
    });
    if (reply.status === 404) return undefined;
    return this.#expect(reply, [200], "integration") as Integration;
  }

  /**
   * Tells Port's UI how a resync goes. Returns false when Port does not know the integration
   * (a Tide installation need not be registered in Port), true when recorded.
   *
   * @example
   * await port.patchResyncState(port.integrationId, { status: "running", lastResyncStart: new Date().toISOString() });
   */
  async patchResyncState(integrationId: string, state: ResyncState): Promise<boolean> {
    const path = `/v1/integration/${encodeURIComponent(integrationId)}/resync-state`;
    const reply = await this.#call({ method: "PATCH", path, body: state });
    if (reply.status === 404) return false;
    this.#expect(reply, [200, 201, 204]);
    return true;
  }

  /**
   * Registers this installation in Port (Ocean's `POST /v1/integration`), with its mapping.
   *
   * @example
   * await port.createIntegration({ installationId: "github-acme", installationAppType: "github", version: "0.1.0", config });
   */
  createIntegration(body: NewIntegration): Promise<Integration> {
    return createIntegration(this.#transport, body);
  }

  /** Updates version, type or changelog destination of the integration; never its mapping. */
  patchIntegration(patch: IntegrationPatch, integrationId: string = this.integrationId): Promise<void> {
    return patchIntegration(this.#transport, integrationId, patch);
  }

  /** Replaces the integration's mapping, the one Port's UI edits. */
  putIntegrationConfig(config: Record<string, unknown>, integrationId: string = this.integrationId) {
    return putIntegrationConfig(this.#transport, integrationId, config);
  }

  /** Up to 10 raw items of a kind for Port's mapping editor (mask secrets before calling). */
  postKindExamples(kind: string, examples: unknown[], integrationId: string = this.integrationId) {
    return postKindExamples(this.#transport, integrationId, kind, examples);
  }

  /**
   * Sends log lines to the integration's log ingest URL (`logAttributes.ingestUrl`), with this
   * client's token as Ocean sends it. Throws on failure; callers that must not fail catch.
   */
  postLogs(ingestUrl: string, logs: IntegrationLogLine[]): Promise<void> {
    return this.#logIngest.post(ingestUrl, logs);
  }

  #blueprintPath(identifier: string): string {
    const problem = validateBlueprintIdentifier(identifier);
    if (problem) throw new PortValidationError("identifier", `blueprint "${identifier}" ${problem}`);
    return blueprintPath(identifier);
  }

  #call(call: PortCall): Promise<PortReply> {
    return this.#limiter.run(() => this.#send(call));
  }

  #expect(reply: PortReply, statuses: number[], field?: string): unknown {
    if (!statuses.includes(reply.status)) throw toApiError(reply, this.#transport.redact);
    return field ? (reply.body as Record<string, unknown> | undefined)?.[field] : reply.body;
  }

  /** One authenticated request; a 401 drops the token and tries once more with a fresh one. */
  async #send(call: PortCall): Promise<PortReply> {
    const kind = routeKind(call.method, call.path);
    for (let attempt = 0; ; attempt++) {
      const token = await this.#tokens.token(call.signal);
      this.#stats.request(kind);
      const res = await this.#http.request({ ...call, headers: { authorization: `Bearer ${token}` } });
      let body: unknown;
      try {
        body = res.text === "" ? undefined : JSON.parse(res.text);
      } catch {
        body = undefined;
      }
      const reply: PortReply = {
        status: res.status,
        body,
        traceId: header(res.headers, "x-trace-id"),
        method: call.method,
        path: res.path,
      };
      if (res.status !== 401) return reply;
      if (attempt > 0) throw toApiError(reply, this.#transport.redact);
      this.#tokens.invalidate(token);
    }
  }
}
