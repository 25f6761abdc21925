import type { Entity } from "../port/entity.ts";

/**
 * The shape of a loaded `port-app-config.yml`: Port Ocean's schema with Ocean's defaults
 * filled in. Plain JSON data, so that a run can snapshot it and map with it later.
 */

/** A jq expression, exactly as written in the config (`.name`, `'"githubRepository"'`). */
export type JqExpression = string;

/**
 * A Port search query whose every leaf is a jq expression, as Ocean evaluates it:
 * `combinator: '"and"'`, `property: '"$identifier"'`, `operator: '"="'`, `value: .owner.login`.
 */
export interface SearchQueryMapping {
  combinator: JqExpression;
  rules: Array<SearchRuleMapping | SearchQueryMapping>;
}

export interface SearchRuleMapping {
  property: JqExpression;
  operator: JqExpression;
  value?: JqExpression;
}

/** `port.entity.mappings`: how one raw item becomes one entity. */
export interface EntityMappings {
  identifier: JqExpression | SearchQueryMapping;
  blueprint: JqExpression;
  title?: JqExpression;
  icon?: JqExpression;
  team?: JqExpression | SearchQueryMapping;
  properties: Record<string, JqExpression>;
  relations: Record<string, JqExpression | SearchQueryMapping>;
}

export interface ResourceConfig {
  /** The source's kind of item, e.g. `repository`. */
  kind: string;
  /** `query` decides which items become entities; any other key is an option passed to the source. */
  selector: { query: JqExpression; [option: string]: unknown };
  port: {
    entity: { mappings: EntityMappings };
    /** jq yielding an array: each element becomes one entity, seen as `.<itemsToParseName>`. */
    itemsToParse?: JqExpression;
    /** Default `item`. */
    itemsToParseName: string;
    /** Default true: the array named by `itemsToParse` is removed from the item before mapping. */
    itemsToParseTopLevelTransform: boolean;
  };
}

export interface PortAppConfig {
  /** Default true: upserts update only the fields sent. */
  enableMergeEntity: boolean;
  /** Default true: deleting an entity also deletes the entities that require it. */
  deleteDependentEntities: boolean;
  /** Default true: a relation to a missing entity creates a placeholder. */
  createMissingRelatedEntities: boolean;
  /** Default 0.9: a resync deletes nothing when it would delete more than this share of a blueprint. */
  entityDeletionThreshold: number;
  resources: ResourceConfig[];
  /** Other top-level keys (source settings) are kept as written. */
  [setting: string]: unknown;
}

/** An entity the mapping produced, and the raw item (and itemsToParse element) it came from. */
export interface MappedEntity {
  entity: Entity;
  itemIndex: number;
  /** With `itemsToParse`: the element of the item's array. */
  elementIndex?: number;
}

/** An item that is not an entity: its identifier or blueprint came out empty (Ocean skips these too). */
export interface MapSkip {
  itemIndex: number;
  elementIndex?: number;
  /** The item's identifier, or its `full_name`/`name`/`id`, to find it by. */
  key?: string;
  reason: string;
}

/** An item that could not be mapped: the field whose jq failed or whose value Port would refuse. */
export interface MapFailure {
  itemIndex: number;
  elementIndex?: number;
  key?: string;
  /** e.g. `properties.url`, `selector.query`, `itemsToParse`, `relations.owner.rules[0].value`. */
  field: string;
  /** jq's own message, or what is wrong with the value. */
  message: string;
}

export interface MapResult {
  entities: MappedEntity[];
  /** Items (or elements) the selector said false to. */
  filtered: number;
  skipped: MapSkip[];
  failures: MapFailure[];
  /**
   * Set when the jq optimiser gave up a shortcut for this mapping (reported once per compiled
   * mapping): why, e.g. `items go to jq whole (...)`. The entities are the same; only slower.
   */
  fastPathFallbacks?: string[];
}
