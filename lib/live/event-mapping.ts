import type { PortAppConfig, ResourceMapper } from "../mapping/index.ts";
import type { CompileResource } from "../pipeline/mappers.ts";
import type { Entity } from "../port/entity.ts";
import { EventApplyError } from "./errors.ts";

type Item = Record<string, unknown>;

/** What one raw item becomes for one resource, decided by the same mapping as a resync. */
export type ItemVerdict =
  | { kind: "entities"; entities: Entity[] }
  /** The selector's jq query said false. */
  | { kind: "filtered" }
  /** Its identifier or blueprint came out empty: not an entity (Ocean skips these too). */
  | { kind: "skipped"; reason: string };

/** An entity to delete: its blueprint and identifier. */
export interface EntityRef {
  blueprint: string;
  identifier: string;
}

/**
 * The config's resources as live events use them: the compiled mapping of each resource
 * (shared with resyncs in the process), and a twin that maps only the identity with the selector
 * query `true`, which names the entity an item the selector now refuses (or a deleted object) was.
 */
export class EventMapping {
  readonly config: PortAppConfig;
  readonly #compile: CompileResource;
  readonly #mappers = new Map<number, Promise<ResourceMapper>>();
  readonly #identifiers = new Map<number, Promise<ResourceMapper>>();
  readonly #unfiltered: PortAppConfig;

  constructor(config: PortAppConfig, compile: CompileResource) {
    this.config = config;
    this.#compile = compile;
    // Only the identity is mapped: a deleted object's payload may lack what a property reads.
    this.#unfiltered = {
      ...config,
      resources: config.resources.map((r) => {
        const { identifier, blueprint } = r.port.entity.mappings;
        return {
          ...r,
          selector: { ...r.selector, query: "true" },
          port: { ...r.port, entity: { mappings: { identifier, blueprint, properties: {}, relations: {} } } },
        };
      }),
    };
  }

  /** Indexes of the resources that map a kind. */
  resourcesOf(kind: string): number[] {
    return this.config.resources.flatMap((r, i) => (r.kind === kind ? [i] : []));
  }

  /** Maps an item with resource `index`; a field whose jq fails throws a permanent {@link EventApplyError}. */
  async map(index: number, item: Item, key: string): Promise<ItemVerdict> {
    const result = await (await this.#mapper(this.#mappers, this.config, index)).map([item]);
    const failure = result.failures[0];
    if (failure) {
      throw new EventApplyError(
        `resources[${index}] (kind ${this.config.resources[index]?.kind}): ${key}: ${failure.field}: ${failure.message}`,
        false,
      );
    }
    if (result.entities.length > 0)
      return { kind: "entities", entities: result.entities.map((e) => e.entity) };
    const skip = result.skipped[0];
    if (skip) return { kind: "skipped", reason: skip.reason };
    return { kind: "filtered" };
  }

  /** The entities an item maps to whatever the selector says: what to delete. */
  async identify(index: number, item: Item, key: string): Promise<EntityRef[]> {
    const result = await (await this.#mapper(this.#identifiers, this.#unfiltered, index)).map([item]);
    const failure = result.failures[0];
    if (failure) {
      throw new EventApplyError(
        `resources[${index}]: ${key}: cannot tell which entity to delete: ${failure.field}: ${failure.message}`,
        false,
      );
    }
    return result.entities.flatMap(({ entity }) =>
      typeof entity.identifier === "string"
        ? [{ blueprint: entity.blueprint, identifier: entity.identifier }]
        : [],
    );
  }

  #mapper(cache: Map<number, Promise<ResourceMapper>>, config: PortAppConfig, index: number) {
    let mapper = cache.get(index);
    if (!mapper) {
      mapper = this.#compile(config, index);
      cache.set(index, mapper);
    }
    return mapper;
  }
}
