import type { Entity } from "../../port/entity.ts";
import type { RunStatus } from "../run.ts";

export interface UpsertOptions {
  merge: boolean;
  createMissingRelatedEntities: boolean;
}

export type UpsertOutcome =
  | { ok: true; identifier: string }
  | {
      ok: false;
      identifier: string;
      /** Transient (5xx, 429, network after retries): the batch should be retried, not failed. */
      retryable: boolean;
      status?: number;
      code?: string;
      message: string;
      traceId?: string;
    };

export interface DeleteOutcome {
  deleted: string[];
  failed: Array<{ identifier: string; message: string; status?: number; traceId?: string }>;
}

/** Port, or a local file catalog for runs without Port credentials. */
export interface Catalog {
  /** Where entities go, for messages ("Port (https://api.port.io)", ".tide/catalog"). */
  readonly description: string;
  upsert(blueprint: string, entities: Entity[], options: UpsertOptions): Promise<UpsertOutcome[]>;
  /** Identifiers of the entities of a blueprint that this integration wrote. */
  listOwned(blueprint: string): AsyncIterable<string>;
  /**
   * The same entities with their relations, so reconciliation can keep the targets of kept
   * entities (placeholders) and know what a deletion touches. Absent: relations are unknown.
   */
  listOwnedEntities?(blueprint: string): AsyncIterable<OwnedEntity>;
  delete(
    blueprint: string,
    identifiers: string[],
    options: { deleteDependents: boolean },
  ): Promise<DeleteOutcome>;
  /** Tells Port's UI how the resync goes; absent when there is nothing to tell. */
  reportResync?(state: { status: RunStatus; start?: string; end?: string }): Promise<void>;
}

/** An entity this integration wrote, as reconciliation reads it back from the catalog. */
export interface OwnedEntity {
  identifier: string;
  relations?: Record<string, unknown>;
}

/** An entity as a catalog holds it, for `tide resync --plan` to compare with. */
export interface CatalogEntity {
  identifier: string;
  title?: string | null;
  icon?: string | null;
  team?: unknown;
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
}

/** A catalog that can also be read entity by entity (both Port and the file catalog can). */
export interface ReadableCatalog extends Catalog {
  getEntities(blueprint: string, identifiers: string[]): Promise<Map<string, CatalogEntity>>;
}
