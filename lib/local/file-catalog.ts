import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  CatalogEntity,
  DeleteOutcome,
  OwnedEntity,
  ReadableCatalog,
  UpsertOptions,
  UpsertOutcome,
} from "../pipeline/contracts/index.ts";
import type { Entity } from "../port/entity.ts";

type Stored = Omit<Entity, "blueprint"> & { identifier: string };

/**
 * A catalog in local JSON files, one per blueprint (`<dir>/<blueprint>.json`), for runs
 * without Port credentials: `tide resync --local` shows what it would write, and the next
 * run updates and deletes exactly as against Port. Call {@link flush} to save.
 */
export class FileCatalog implements ReadableCatalog {
  readonly description: string;
  readonly #dir: string;
  readonly #blueprints = new Map<string, Map<string, Stored>>();
  #loaded: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
    this.description = `local file catalog (${dir})`;
  }

  async upsert(blueprint: string, entities: Entity[], options: UpsertOptions): Promise<UpsertOutcome[]> {
    const store = await this.#blueprint(blueprint);
    return entities.map(({ blueprint: _, ...entity }) => {
      if (typeof entity.identifier !== "string") {
        return {
          ok: false,
          identifier: JSON.stringify(entity.identifier),
          retryable: false,
          message: "search-query identifiers need Port to resolve them",
        };
      }
      const identifier = entity.identifier;
      const previous = store.get(identifier);
      const next: Stored =
        options.merge && previous
          ? {
              ...previous,
              ...entity,
              identifier,
              properties: { ...previous.properties, ...entity.properties },
              relations: { ...previous.relations, ...entity.relations },
            }
          : { ...entity, identifier };
      store.set(identifier, next);
      return { ok: true, identifier };
    });
  }

  async *listOwned(blueprint: string): AsyncIterable<string> {
    yield* [...(await this.#blueprint(blueprint)).keys()];
  }

  async *listOwnedEntities(blueprint: string): AsyncIterable<OwnedEntity> {
    for (const [identifier, stored] of await this.#blueprint(blueprint)) {
      yield { identifier, relations: stored.relations as Record<string, unknown> | undefined };
    }
  }

  async delete(blueprint: string, identifiers: string[]): Promise<DeleteOutcome> {
    const store = await this.#blueprint(blueprint);
    for (const identifier of identifiers) store.delete(identifier);
    return { deleted: [...identifiers], failed: [] };
  }

  async getEntities(blueprint: string, identifiers: string[]): Promise<Map<string, CatalogEntity>> {
    const store = await this.#blueprint(blueprint);
    const found = new Map<string, CatalogEntity>();
    for (const identifier of identifiers) {
      const entity = store.get(identifier);
      if (entity) found.set(identifier, structuredClone(entity) as CatalogEntity);
    }
    return found;
  }

  /** Every entity of a blueprint, as saved. */
  async entities(blueprint: string): Promise<Stored[]> {
    return [...(await this.#blueprint(blueprint)).values()];
  }

  async blueprints(): Promise<string[]> {
    await this.#load();
    return [...this.#blueprints.keys()].sort();
  }

  /** Writes every blueprint's file atomically (write, then rename). */
  async flush(): Promise<void> {
    await this.#load();
    await mkdir(this.#dir, { recursive: true });
    for (const [blueprint, store] of this.#blueprints) {
      const file = join(this.#dir, `${blueprint}.json`);
      const entities = [...store.values()].sort((a, b) => a.identifier.localeCompare(b.identifier));
      await writeFile(`${file}.tmp`, `${JSON.stringify(entities, null, 1)}\n`);
      await rename(`${file}.tmp`, file);
    }
  }

  async #blueprint(blueprint: string): Promise<Map<string, Stored>> {
    await this.#load();
    let store = this.#blueprints.get(blueprint);
    if (!store) {
      store = new Map();
      this.#blueprints.set(blueprint, store);
    }
    return store;
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      let files: string[];
      try {
        files = await readdir(this.#dir);
      } catch {
        return;
      }
      for (const file of files.filter((f) => f.endsWith(".json"))) {
        const path = join(this.#dir, file);
        let entities: Stored[];
        try {
          entities = JSON.parse(await readFile(path, "utf8")) as Stored[];
        } catch (error) {
          throw new Error(`${path}: not a catalog file (${(error as Error).message})`);
        }
        if (!Array.isArray(entities)) throw new Error(`${path}: not a catalog file (expected a JSON array)`);
        this.#blueprints.set(file.slice(0, -".json".length), new Map(entities.map((e) => [e.identifier, e])));
      }
    })();
    return this.#loaded;
  }
}
