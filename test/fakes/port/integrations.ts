import { fail, type Reply } from "./reply.ts";
import type { RouteContext } from "./routes.ts";

export interface FakeIntegration {
  identifier: string;
  installationId?: string;
  installationAppType?: string;
  version?: string;
  config: Record<string, unknown> | null;
  changelogDestination?: Record<string, unknown>;
  resyncState?: Record<string, unknown>;
  logAttributes?: { ingestUrl: string };
  [key: string]: unknown;
}

export interface ResyncStateRecord {
  at: string;
  userAgent: string;
  state: Record<string, unknown>;
}

/** What the emulator keeps beside each integration: examples per kind and log lines. */
export interface IntegrationExtras {
  examples: Map<string, Map<string, unknown[]>>;
  logs: Map<string, Array<Record<string, unknown>>>;
}

const notFound = (id: string) => fail(404, "not_found", `Integration "${id}" was not found`);

/** Port hands out a log ingest URL per integration; the emulator serves it itself. */
const ingestUrlOf = (ctx: RouteContext, id: string) =>
  `${ctx.origin}/logs/integration/${encodeURIComponent(id)}`;

export function getIntegration(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return notFound(id);
  integration.logAttributes ??= { ingestUrl: ingestUrlOf(ctx, id) };
  return { status: 200, body: { ok: true, integration } };
}

/** `POST /v1/integration` (undocumented; Ocean): 409 when the installation id is taken. */
export function createIntegration(ctx: RouteContext): Reply {
  const body = ctx.body as Record<string, unknown>;
  const id = body.installationId as string;
  if (ctx.integrations.has(id)) return fail(409, "integration_exists", `Integration "${id}" already exists`);
  const integration: FakeIntegration = {
    ...body,
    identifier: id,
    installationId: id,
    config: (body.config as Record<string, unknown> | undefined) ?? null,
    logAttributes: { ingestUrl: ingestUrlOf(ctx, id) },
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  ctx.integrations.set(id, integration);
  return { status: 201, body: { ok: true, integration } };
}

/** `PATCH /v1/integration/{id}`: the fields sent replace Port's (checked against Port's document). */
export function patchIntegration(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return notFound(id);
  Object.assign(integration, ctx.body as Record<string, unknown>, { updatedAt: ctx.now });
  return { status: 200, body: { ok: true, integration } };
}

/** `PATCH /v1/integration/{id}/config`: replaces the mapping. */
export function patchIntegrationConfig(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return notFound(id);
  integration.config = (ctx.body as { config: Record<string, unknown> | null }).config;
  integration.updatedAt = ctx.now;
  return { status: 200, body: { ok: true, integration } };
}

export function postKindExamples(ctx: RouteContext): Reply {
  const [id = "", kind = ""] = ctx.params;
  if (!ctx.integrations.has(id)) return notFound(id);
  const kinds = ctx.extras.examples.get(id) ?? new Map<string, unknown[]>();
  kinds.set(kind, (ctx.body as { examples: unknown[] }).examples);
  ctx.extras.examples.set(id, kinds);
  return { status: 200, body: { ok: true } };
}

export function ingestLogs(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  if (!ctx.integrations.has(id)) return notFound(id);
  const lines = ctx.extras.logs.get(id) ?? [];
  lines.push(...(ctx.body as { logs: Array<Record<string, unknown>> }).logs);
  ctx.extras.logs.set(id, lines);
  return { status: 200, body: { ok: true } };
}

export function patchResyncState(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return notFound(id);
  // The body's shape was checked against the route's (hand-written, undocumented) schema.
  const body = ctx.body as Record<string, unknown>;
  integration.resyncState = { ...body, updatedAt: ctx.now };
  const history = ctx.resyncHistory.get(id) ?? [];
  history.push({ at: ctx.now, userAgent: ctx.userAgent, state: { ...body } });
  ctx.resyncHistory.set(id, history);
  return { status: 200, body: { ok: true, integration } };
}
