import type {
  CatalogEntity,
  DeleteOutcome,
  OwnedEntity,
  ReadableCatalog,
  UpsertOptions,
  UpsertOutcome,
} from "../pipeline/contracts/index.ts";
import type { RunStatus } from "../pipeline/run.ts";
import type { ResyncState } from "../port/blueprint.ts";
import type { PortClient } from "../port/client.ts";
import type { Entity } from "../port/entity.ts";

type ResyncReport = { status: RunStatus; start?: string; end?: string };

/** The pipeline's catalog in Port: upserts, this integration's entities, deletes, resync state. */
export class PortCatalog implements ReadableCatalog {
  readonly description: string;
  readonly #port: PortClient;
  readonly #integrationId: string | undefined;
  readonly #stateOf: ((report: ResyncReport) => ResyncState) | undefined;

  /**
   * With an `integrationId`, resync progress is also reported to Port's integration page,
   * shaped by `resyncState` when given (the integration's schedule adds the next resync).
   */
  constructor(
    port: PortClient,
    integrationId?: string,
    options: { resyncState?: (report: ResyncReport) => ResyncState } = {},
  ) {
    this.#port = port;
    this.#integrationId = integrationId;
    this.#stateOf = options.resyncState;
    this.description = `Port (${port.baseUrl})`;
  }

  upsert(blueprint: string, entities: Entity[], options: UpsertOptions): Promise<UpsertOutcome[]> {
    return this.#port.upsertEntities(blueprint, entities, options);
  }

  async *listOwned(blueprint: string): AsyncIterable<string> {
    const query = this.#port.datasourceQuery;
    // `$identifier`: Port reads a bare `identifier` as a property of that name.
    for await (const entity of this.#port.searchEntities(blueprint, { query, include: ["$identifier"] })) {
      yield entity.identifier;
    }
  }

  /** Whole entities (no `include`): their relations tell reconciliation what kept entities point at. */
  async *listOwnedEntities(blueprint: string): AsyncIterable<OwnedEntity> {
    const query = this.#port.datasourceQuery;
    for await (const entity of this.#port.searchEntities(blueprint, { query })) {
      yield { identifier: entity.identifier, relations: entity.relations };
    }
  }

  async getEntities(blueprint: string, identifiers: string[]): Promise<Map<string, CatalogEntity>> {
    const found = new Map<string, CatalogEntity>();
    for (let i = 0; i < identifiers.length; i += 100) {
      const query = {
        combinator: "and" as const,
        rules: [{ property: "$identifier", operator: "in", value: identifiers.slice(i, i + 100) }],
      };
      for await (const entity of this.#port.searchEntities(blueprint, { query })) {
        found.set(entity.identifier, entity as CatalogEntity);
      }
    }
    return found;
  }

  async delete(
    blueprint: string,
    identifiers: string[],
    options: { deleteDependents: boolean },
  ): Promise<DeleteOutcome> {
    const result = await this.#port.deleteEntities(blueprint, identifiers, options);
    return { deleted: result.deleted, failed: result.failed };
  }

  async reportResync(state: ResyncReport): Promise<void> {
    if (!this.#integrationId) return;
    if (this.#stateOf) {
      await this.#port.patchResyncState(this.#integrationId, this.#stateOf(state));
      return;
    }
    await this.#port.patchResyncState(this.#integrationId, {
      status: state.status === "reconciling" ? "running" : state.status,
      lastResyncStart: state.start,
      lastResyncEnd: state.end,
    });
  }
}
