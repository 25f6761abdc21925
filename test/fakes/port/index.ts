/**
 * A local Port: a strict emulator of the Port REST API on 127.0.0.1, for tests, the demo and
 * benchmarks. See `/shared/port-api.md` for the contract it follows.
 *
 * @example
 * const port = await startPortFake({ blueprints: [{ identifier: "service", title: "Service", schema: { properties: {} } }] });
 * const client = new PortClient({ ...port.credentials, baseUrl: port.url, version: "0.0.0" });
 * // ... then inspect what landed:
 * port.entities("service");
 * await port.close();
 */
import { FakeAuth, type FakeCredentials } from "./auth.ts";
import type { FaultSettings, InjectedReply } from "./faults.ts";
import { type FakeIntegration, type ResyncStateRecord, toBlueprint } from "./routes.ts";
import { blueprintBodyError } from "./schema.ts";
import {
  DEFAULT_CREDENTIALS,
  type PortFakeOptions,
  type PortFakeState,
  type RequestRecord,
  startServer,
} from "./server.ts";
import { CatalogStore, type StoredEntity } from "./store.ts";

export type {
  FakeCredentials,
  FakeIntegration,
  FaultSettings,
  InjectedReply,
  PortFakeOptions,
  RequestRecord,
  ResyncStateRecord,
  StoredEntity,
};

export interface PortFake {
  /** Base URL, e.g. `http://127.0.0.1:51234` (paths start with `/v1`). */
  url: string;
  /** The first accepted client id/secret. */
  credentials: FakeCredentials;
  /** Everything the emulator holds, for inspection. */
  state: PortFakeState;
  /** Live fault settings: assign to change them between requests. */
  faults: FaultSettings;
  /**
   * The next matching requests get this reply instead of Port's: any status and body (an
   * HTML page, truncated JSON, a wrong shape), before or after the request takes effect.
   *
   * @example
   * port.inject({ route: "bulkUpsert", status: 502, body: "<html><body>Bad Gateway</body></html>" });
   */
  inject(reply: InjectedReply): void;
  /** The entities of a blueprint, in identifier order. */
  entities(blueprint: string): StoredEntity[];
  entity(blueprint: string, identifier: string): StoredEntity | undefined;
  /** Creates a blueprint as `POST /v1/blueprints` would; throws when Port would refuse it. */
  addBlueprint(body: Record<string, unknown>): void;
  /** Stores entities directly (replace semantics, missing related entities created); throws on invalid ones. */
  seed(blueprint: string, entities: Array<Record<string, unknown>>, options?: { datasource?: string }): void;
  /** Requests received, all of them or those of one route (e.g. "bulkUpsert", "auth", "search"). */
  requestCount(route?: string): number;
  /** Request counts keyed by route name. */
  requestsByRoute(): Record<string, number>;
  resetRequests(): void;
  /** Every `PATCH /v1/integration/{id}/resync-state` body received, in order. */
  resyncHistory(integrationId: string): ResyncStateRecord[];
  /** The integration as Port holds it (registration, mapping, changelog destination), or undefined. */
  integration(integrationId: string): FakeIntegration | undefined;
  /** The examples of a kind Port keeps for its mapping editor (the last ones sent). */
  kindExamples(integrationId: string, kind: string): unknown[] | undefined;
  /** The log lines the integration sent to its log ingest URL, in order. */
  integrationLogs(integrationId: string): Array<Record<string, unknown>>;
  /**
   * A partial bulk deletion: bulk deletes leave these entities in place and leave them out of
   * `deletedEntities` (answering 200), as Port can; a single delete still removes them.
   */
  holdOnBulkDelete(blueprint: string, identifiers: string[]): void;
  /** Expires every issued token now: the next request with one gets 401 `token_expired`. */
  expireTokens(): void;
  /** Forgets every issued token: the next request with one gets 401 `unauthorized`. */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startPortFake(options: PortFakeOptions = {}): Promise<PortFake> {
  const clients = options.clients ?? [DEFAULT_CREDENTIALS];
  const state: PortFakeState = {
    store: new CatalogStore(),
    auth: new FakeAuth(clients, options.tokenLifetimeSec ?? 3 * 60 * 60),
    integrations: new Map((options.integrations ?? []).map((i) => [i.identifier, i])),
    resyncHistory: new Map(),
    extras: { examples: new Map(), logs: new Map() },
    log: [],
    bulkDeleteHeld: new Set(),
    responseViolations: [],
  };
  const addBlueprint = (body: Record<string, unknown>) => {
    const error = blueprintBodyError(body, false, undefined, (id) => state.store.blueprints.has(id));
    if (error) throw new Error(`startPortFake: blueprint ${String(body.identifier)}: ${error}`);
    if (state.store.blueprints.has(body.identifier as string)) {
      throw new Error(`startPortFake: blueprint ${String(body.identifier)} already exists`);
    }
    state.store.blueprints.set(body.identifier as string, toBlueprint(body, new Date().toISOString()));
  };
  for (const bp of options.blueprints ?? []) addBlueprint(bp);
  const server = await startServer(options, state);
  const sorted = (blueprint: string) =>
    [...state.store.entitiesOf(blueprint).values()].sort((a, b) =>
      a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0,
    );

  return {
    url: server.url,
    credentials: clients[0] ?? DEFAULT_CREDENTIALS,
    state,
    faults: server.faults,
    inject: server.inject,
    entities: sorted,
    entity: (blueprint, identifier) => state.store.entitiesOf(blueprint).get(identifier),
    addBlueprint,
    seed(blueprint, entities, seedOptions = {}) {
      const bp = state.store.blueprints.get(blueprint);
      if (!bp) throw new Error(`seed: blueprint "${blueprint}" does not exist`);
      const now = new Date().toISOString();
      for (const raw of entities) {
        const outcome = state.store.upsert(bp, raw, {
          merge: false,
          upsert: true,
          createMissingRelatedEntities: true,
          datasource: seedOptions.datasource ?? "seed",
          actor: "seed",
          now,
        });
        if (!outcome.ok) throw new Error(`seed: ${outcome.identifier}: ${outcome.message}`);
      }
    },
    requestCount: (route) => (route ? state.log.filter((r) => r.route === route).length : state.log.length),
    requestsByRoute() {
      const counts: Record<string, number> = {};
      for (const r of state.log) counts[r.route] = (counts[r.route] ?? 0) + 1;
      return counts;
    },
    resetRequests: () => {
      state.log.length = 0;
    },
    resyncHistory: (id) => state.resyncHistory.get(id) ?? [],
    integration: (id) => state.integrations.get(id),
    kindExamples: (id, kind) => state.extras.examples.get(id)?.get(kind),
    integrationLogs: (id) => state.extras.logs.get(id) ?? [],
    holdOnBulkDelete: (blueprint, identifiers) => {
      for (const id of identifiers) state.bulkDeleteHeld.add(`${blueprint}\u0000${id}`);
    },
    expireTokens: () => state.auth.expireAll(),
    revokeTokens: () => state.auth.revokeAll(),
    close: server.close,
  };
}
