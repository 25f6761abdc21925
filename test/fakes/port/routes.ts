import { randomUUID } from "node:crypto";
import type { FakeAuth } from "./auth.ts";
import {
  createIntegration,
  type FakeIntegration,
  getIntegration,
  type IntegrationExtras,
  ingestLogs,
  patchIntegration,
  patchIntegrationConfig,
  patchResyncState,
  postKindExamples,
  type ResyncStateRecord,
} from "./integrations.ts";
import { fail, invalid, type Reply } from "./reply.ts";
import { type Blueprint, blueprintBodyError, blueprintIdError, isObject } from "./schema.ts";
import { searchPage, toApiEntity } from "./search.ts";
import type { CatalogStore } from "./store.ts";

export type { FakeIntegration, IntegrationExtras, Reply, ResyncStateRecord };

/** What a handler gets: the parsed request, the caller, and the emulator's state. */
export interface RouteContext {
  params: string[];
  query: URLSearchParams;
  body: unknown;
  userAgent: string;
  actor: string;
  now: string;
  store: CatalogStore;
  auth: FakeAuth;
  integrations: Map<string, FakeIntegration>;
  resyncHistory: Map<string, ResyncStateRecord[]>;
  /** Kind examples and log lines per integration. */
  extras: IntegrationExtras;
  /** `http://127.0.0.1:PORT`: the emulator's own address (for the log ingest URL it hands out). */
  origin: string;
  /** `blueprint\u0000identifier` of entities a bulk delete leaves in place (a partial deletion). */
  bulkDeleteHeld: Set<string>;
  maxBulkUpsert: number;
}

export interface Route {
  name: string;
  method: string;
  /** Path segments; `:x` captures one (URL-decoded) segment. */
  pattern: string[];
  /** Served without a bearer token. */
  public?: boolean;
  handle(ctx: RouteContext): Reply;
}

/** `true`/`false` query flags; anything else is a 422, absent is `fallback`. */
function flag(query: URLSearchParams, name: string, fallback = false): boolean | Reply {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (raw === "true" || raw === "false") return raw === "true";
  return invalid(`querystring/${name} must be boolean`);
}

function findBlueprint(ctx: RouteContext): Blueprint | Reply {
  const id = ctx.params[0] ?? "";
  const error = blueprintIdError(id);
  if (error) return invalid(`blueprint identifier ${error}`);
  return (
    ctx.store.blueprints.get(id) ?? fail(404, "not_found", `Blueprint with identifier "${id}" was not found`)
  );
}

const isReply = (v: unknown): v is Reply => isObject(v) && typeof v.status === "number" && "body" in v;

function writeFlags(ctx: RouteContext) {
  const upsert = flag(ctx.query, "upsert");
  const merge = flag(ctx.query, "merge");
  const createMissing = flag(ctx.query, "create_missing_related_entities");
  for (const f of [upsert, merge, createMissing]) if (isReply(f)) return f;
  return {
    upsert: upsert as boolean,
    merge: merge as boolean,
    createMissingRelatedEntities: createMissing as boolean,
    datasource: ctx.userAgent,
    actor: ctx.actor,
    now: ctx.now,
  };
}

/** Port's document makes `identifier` optional: without one, Port generates it. */
function withIdentifier(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.identifier !== undefined) return raw;
  return { ...raw, identifier: `e_${randomUUID().replaceAll("-", "").slice(0, 16)}` };
}

function upsertOne(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const write = writeFlags(ctx);
  if (isReply(write)) return write;
  // The body's shape was checked against Port's document before the route ran.
  const outcome = ctx.store.upsert(bp, withIdentifier(ctx.body as Record<string, unknown>), write);
  if (!outcome.ok) return fail(outcome.statusCode, outcome.error, outcome.message);
  return { status: 201, body: { ok: true, entity: toApiEntity(outcome.entity, bp) } };
}

function upsertBulk(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const write = writeFlags(ctx);
  if (isReply(write)) return write;
  // The body's shape (1 to 20 entities, each as Port's schema wants it) was checked against
  // Port's document before the route ran; a lower `maxBulkUpsert` is the emulator's own knob.
  const entities = (ctx.body as { entities: Array<Record<string, unknown>> }).entities;
  if (entities.length > ctx.maxBulkUpsert) {
    return invalid(`body/entities must NOT have more than ${ctx.maxBulkUpsert} items`);
  }
  const written: unknown[] = [];
  const errors: unknown[] = [];
  for (const [index, raw] of entities.entries()) {
    const outcome = ctx.store.upsert(bp, withIdentifier(raw), write);
    if (outcome.ok) written.push({ identifier: outcome.entity.identifier, index, created: outcome.created });
    else {
      const { identifier, statusCode, error, message } = outcome;
      errors.push({ identifier, index, statusCode, error, message });
    }
  }
  return {
    status: errors.length === 0 ? 200 : 207,
    body: { ok: errors.length === 0, entities: written, errors },
  };
}

function deleteMany(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const dependents = flag(ctx.query, "delete_dependents");
  if (isReply(dependents)) return dependents;
  // The body's shape (1 to 100 identifiers) was checked against Port's document.
  const ids = (ctx.body as { entities: string[] }).entities;
  // A partial deletion, as Port can answer one: 200, and only what went is in deletedEntities.
  const held = (id: string) => ctx.bulkDeleteHeld.has(`${bp.identifier}\u0000${id}`);
  const doomed = (ids as string[]).filter((id) => !held(id));
  if (doomed.length === 0) return { status: 200, body: { ok: true, deletedEntities: [] } };
  const result = ctx.store.delete(bp.identifier, doomed, dependents);
  if (!result.ok) return fail(result.status, result.error, result.message);
  return { status: 200, body: { ok: true, deletedEntities: result.deleted } };
}

function deleteOne(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const dependents = flag(ctx.query, "delete_dependents");
  if (isReply(dependents)) return dependents;
  const id = ctx.params[1] ?? "";
  const result = ctx.store.delete(bp.identifier, [id], dependents);
  if (!result.ok) return fail(result.status, result.error, result.message);
  return { status: 200, body: { ok: true } };
}

function getEntity(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const entity = ctx.store.entitiesOf(bp.identifier).get(ctx.params[1] ?? "");
  if (!entity)
    return fail(404, "not_found", `Entity "${ctx.params[1]}" of blueprint "${bp.identifier}" was not found`);
  return { status: 200, body: { ok: true, entity: toApiEntity(entity, bp) } };
}

function search(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  return searchPage(ctx.store.entitiesOf(bp.identifier), ctx.body, bp);
}

function createBlueprint(ctx: RouteContext): Reply {
  const error = blueprintBodyError(ctx.body, false, undefined, (id) => ctx.store.blueprints.has(id));
  if (error) return invalid(error);
  const body = ctx.body as Record<string, unknown>;
  const id = body.identifier as string;
  if (ctx.store.blueprints.has(id)) return fail(409, "identifier_taken", `Blueprint "${id}" already exists`);
  const blueprint = toBlueprint(body, ctx.now, ctx.actor);
  ctx.store.blueprints.set(id, blueprint);
  return { status: 201, body: { ok: true, blueprint } };
}

/** A validated `POST /v1/blueprints` body as the emulator stores it, defaults filled in. */
export function toBlueprint(body: Record<string, unknown>, now: string, actor = "seed"): Blueprint {
  const schema = body.schema as { properties: Blueprint["schema"]["properties"]; required?: string[] };
  return {
    calculationProperties: {},
    mirrorProperties: {},
    ...(body as Partial<Blueprint>),
    identifier: body.identifier as string,
    title: body.title as string,
    schema: { properties: schema.properties, required: schema.required ?? [] },
    relations: normalizeRelations(body.relations),
    createdAt: now,
    updatedAt: now,
    createdBy: actor,
    updatedBy: actor,
  };
}

function normalizeRelations(raw: unknown): Blueprint["relations"] {
  const out: Blueprint["relations"] = {};
  for (const [key, rel] of Object.entries((raw ?? {}) as Record<string, Record<string, unknown>>)) {
    out[key] = {
      ...rel,
      target: String(rel.target),
      many: rel.many === true,
      required: rel.required === true,
    };
  }
  return out;
}

function patchBlueprint(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  const error = blueprintBodyError(ctx.body, true, bp.identifier, (id) => ctx.store.blueprints.has(id));
  if (error) return invalid(error);
  const body = ctx.body as Record<string, unknown>;
  if ("identifier" in body && body.identifier !== bp.identifier)
    return invalid("identifier cannot be changed");
  const next: Blueprint = {
    ...bp,
    ...(body as Partial<Blueprint>),
    updatedAt: ctx.now,
    updatedBy: ctx.actor,
  };
  if ("schema" in body) {
    const schema = body.schema as { properties: Blueprint["schema"]["properties"]; required?: string[] };
    next.schema = { properties: schema.properties, required: schema.required ?? [] };
  }
  if ("relations" in body) next.relations = normalizeRelations(body.relations);
  ctx.store.blueprints.set(bp.identifier, next);
  return { status: 200, body: { ok: true, blueprint: next } };
}

function deleteBlueprint(ctx: RouteContext): Reply {
  const bp = findBlueprint(ctx);
  if (isReply(bp)) return bp;
  if (ctx.store.entitiesOf(bp.identifier).size > 0) {
    return invalid(`Blueprint "${bp.identifier}" still has entities; delete them first`);
  }
  ctx.store.dropBlueprint(bp.identifier);
  return { status: 200, body: { ok: true } };
}

const route = (name: string, method: string, path: string, handle: Route["handle"]): Route => ({
  name,
  method,
  pattern: path.split("/").filter(Boolean),
  handle,
});

/** Every route the emulator serves, first match wins. */
export const ROUTES: Route[] = [
  { ...route("auth", "POST", "/v1/auth/access_token", (ctx) => ctx.auth.issue(ctx.body)), public: true },
  route("createBlueprint", "POST", "/v1/blueprints", createBlueprint),
  route("getBlueprint", "GET", "/v1/blueprints/:bp", (ctx) => {
    const bp = findBlueprint(ctx);
    return isReply(bp) ? bp : { status: 200, body: { ok: true, blueprint: bp } };
  }),
  route("patchBlueprint", "PATCH", "/v1/blueprints/:bp", patchBlueprint),
  route("deleteBlueprint", "DELETE", "/v1/blueprints/:bp", deleteBlueprint),
  route("bulkUpsert", "POST", "/v1/blueprints/:bp/entities/bulk", upsertBulk),
  route("search", "POST", "/v1/blueprints/:bp/entities/search", search),
  route("upsert", "POST", "/v1/blueprints/:bp/entities", upsertOne),
  route("getEntity", "GET", "/v1/blueprints/:bp/entities/:id", getEntity),
  route("delete", "DELETE", "/v1/blueprints/:bp/entities/:id", deleteOne),
  route("bulkDelete", "POST", "/v1/blueprints/:bp/bulk/entities/delete", deleteMany),
  route("getIntegration", "GET", "/v1/integration/:id", getIntegration),
  route("createIntegration", "POST", "/v1/integration", createIntegration),
  route("patchIntegration", "PATCH", "/v1/integration/:id", patchIntegration),
  route("integrationConfig", "PATCH", "/v1/integration/:id/config", patchIntegrationConfig),
  route("resyncState", "PATCH", "/v1/integration/:id/resync-state", patchResyncState),
  route("kindExamples", "POST", "/v1/integration/:id/kinds/:kind/examples", postKindExamples),
  route("ingestLogs", "POST", "/logs/integration/:id", ingestLogs),
];

/** The route for a method and raw (still percent-encoded) path, with its decoded parameters. */
export function matchRoute(method: string, rawPath: string): { route: Route; params: string[] } | undefined {
  const segments = rawPath.split("/").filter(Boolean);
  for (const r of ROUTES) {
    if (r.method !== method || r.pattern.length !== segments.length) continue;
    const params: string[] = [];
    const ok = r.pattern.every((p, i) => {
      const seg = segments[i] ?? "";
      if (!p.startsWith(":")) return p === seg;
      try {
        params.push(decodeURIComponent(seg));
        return true;
      } catch {
        return false;
      }
    });
    if (ok) return { route: r, params };
  }
  return undefined;
}
