/**
 * Regenerates `port-openapi.json` beside this file: Port's published OpenAPI document cut down
 * to the operations Tide calls, with every component schema they reference (transitively) and
 * without prose (descriptions, examples). The document is Port's; nothing here edits a schema.
 *
 * @example
 * node test/fakes/port/openapi/trim.ts ../shared/port-openapi.yml && npx biome format --write test/fakes/port/openapi
 *
 * JSON, not YAML: the emulator loads it in every test file, and JSON parses in ~1 ms (YAML ~270 ms).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

/** The documented operations Tide (or the fake, for setup) uses, by path and method. */
export const USED_OPERATIONS: Record<string, string[]> = {
  "/v1/auth/access_token": ["post"],
  "/v1/blueprints": ["post"],
  "/v1/blueprints/{identifier}": ["get", "patch", "delete"],
  "/v1/blueprints/{blueprint_identifier}/entities": ["post"],
  "/v1/blueprints/{blueprint_identifier}/entities/bulk": ["post"],
  "/v1/blueprints/{blueprint_identifier}/entities/search": ["post"],
  "/v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}": ["get", "delete"],
  "/v1/blueprints/{blueprint_identifier}/bulk/entities/delete": ["post"],
  "/v1/integration/{identifier}": ["get", "patch"],
  "/v1/integration/{identifier}/config": ["patch"],
};

const PROSE = new Set(["description", "example", "examples", "summary", "externalDocs"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy without prose keys (only where they are annotations, not property names). */
function withoutProse(value: Json, underProperties = false): Json {
  if (Array.isArray(value)) return value.map((v) => withoutProse(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!underProperties && PROSE.has(key)) continue;
    out[key] = withoutProse(v, key === "properties" && !underProperties && isObject(v));
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function collectRefs(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, into);
  else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") into.add(v);
      else collectRefs(v, into);
    }
  }
}

/** The trimmed document, as a plain object. */
export function trim(doc: Record<string, Json>): Record<string, Json> {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const outPaths: Record<string, Json> = {};
  for (const [path, methods] of Object.entries(USED_OPERATIONS)) {
    const item = paths[path];
    if (!item) throw new Error(`trim: the document has no path ${path}`);
    const ops: Record<string, Json> = {};
    for (const method of methods) {
      const op = item[method];
      if (!op) throw new Error(`trim: the document has no ${method.toUpperCase()} ${path}`);
      ops[method] = withoutProse(op);
    }
    outPaths[path] = ops;
  }
  const schemas = ((doc.components as Record<string, Json>).schemas ?? {}) as Record<string, Json>;
  const kept: Record<string, Json> = {};
  const pending = new Set<string>();
  collectRefs(outPaths, pending);
  while (pending.size > 0) {
    const ref = pending.values().next().value as string;
    pending.delete(ref);
    const name = ref.replace("#/components/schemas/", "");
    if (name in kept) continue;
    const schema = schemas[name];
    if (schema === undefined) throw new Error(`trim: unresolved reference ${ref}`);
    kept[name] = withoutProse(schema);
    collectRefs(kept[name], pending);
  }
  const sorted = Object.fromEntries(
    Object.keys(kept)
      .sort(byNumber)
      .map((k) => [k, kept[k] as Json]),
  );
  return {
    openapi: doc.openapi as Json,
    info: doc.info as Json,
    components: {
      securitySchemes: (doc.components as Record<string, Json>).securitySchemes ?? {},
      schemas: sorted,
    },
    paths: outPaths,
  };
}

const byNumber = (a: string, b: string) =>
  Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")) || a.localeCompare(b);

if (import.meta.main) {
  const source = process.argv[2];
  if (!source) {
    console.error("usage: node test/fakes/port/openapi/trim.ts <Port's port-openapi.yml>");
    process.exit(2);
  }
  const doc = parse(readFileSync(source, "utf8"), { maxAliasCount: -1 }) as Record<string, Json>;
  const trimmed = trim(doc);
  trimmed.info = {
    ...(trimmed.info as Record<string, Json>),
    "x-trimmed":
      "Port's published document, cut to the operations Tide uses by test/fakes/port/openapi/trim.ts; do not edit by hand",
  };
  const out = new URL("port-openapi.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(trimmed, null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
