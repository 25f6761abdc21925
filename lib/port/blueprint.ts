/** A blueprint property, as Port's blueprint schema defines it. */
export interface BlueprintProperty {
  type: "string" | "number" | "boolean" | "object" | "array";
  title?: string;
  description?: string;
  /** e.g. `url`, `date-time`, `markdown`, `user`, `team`, `yaml`. */
  format?: string;
  enum?: unknown[];
  icon?: string;
  items?: { type?: string; format?: string };
  [key: string]: unknown;
}

export interface BlueprintRelation {
  /** The target blueprint's identifier. */
  target: string;
  title?: string;
  many: boolean;
  required: boolean;
}

/** A blueprint as `POST /v1/blueprints` takes it and `GET` returns it. */
export interface Blueprint {
  identifier: string;
  title: string;
  icon?: string;
  description?: string;
  schema: { properties: Record<string, BlueprintProperty>; required?: string[] };
  relations?: Record<string, BlueprintRelation>;
  calculationProperties?: Record<string, unknown>;
  mirrorProperties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What a resync tells Port's UI. Timestamps are ISO strings. */
export interface ResyncState {
  status: "running" | "completed" | "failed" | "aborted";
  lastResyncStart?: string | null;
  lastResyncEnd?: string | null;
  nextResync?: string | null;
  /** Ocean's spelling, which Port's UI reads. */
  intervalInMinuets?: number | null;
}

/** An integration as `GET /v1/integration/{id}` returns it; `config` holds the port-app-config. */
export interface Integration {
  identifier: string;
  installationAppType?: string;
  config?: Record<string, unknown>;
  resyncState?: Record<string, unknown>;
  [key: string]: unknown;
}
