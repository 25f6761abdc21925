/**
 * A Port search query, as used by search-query identifiers, teams and relations.
 * Rule values are already evaluated (the mapper evaluates the jq inside them).
 */
export interface SearchQuery {
  combinator: "and" | "or";
  rules: Array<SearchRule | SearchQuery>;
}

export interface SearchRule {
  property: string;
  operator: string;
  value?: unknown;
}

/** The body of one entity upsert, exactly as Port accepts it. */
export interface Entity {
  identifier: string | SearchQuery;
  blueprint: string;
  title?: string | null;
  icon?: string | null;
  team?: string | string[] | SearchQuery | null;
  properties?: Record<string, unknown>;
  relations?: Record<string, string | string[] | SearchQuery | null>;
}

/** An entity as Port returns it from search (only the `include`d fields when `include` was given). */
export interface PortEntity {
  identifier: string;
  blueprint?: string;
  title?: string | null;
  icon?: string | null;
  team?: string[];
  properties?: Record<string, unknown>;
  relations?: Record<string, string | string[] | null>;
  createdAt?: string;
  createdBy?: string;
  updatedAt?: string;
  updatedBy?: string;
}
