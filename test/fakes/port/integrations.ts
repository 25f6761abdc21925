import { fail, type Reply } from "./reply.ts";
import type { RouteContext } from "./routes.ts";

export interface FakeIntegration {
  identifier: string;
  installationAppType?: string;
  config: Record<string, unknown>;
  resyncState?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ResyncStateRecord {
  at: string;
  userAgent: string;
  state: Record<string, unknown>;
}

export function getIntegration(ctx: RouteContext): Reply {
  const integration = ctx.integrations.get(ctx.params[0] ?? "");
  if (!integration) return fail(404, "not_found", `Integration "${ctx.params[0]}" was not found`);
  return { status: 200, body: { ok: true, integration } };
}

export function patchResyncState(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return fail(404, "not_found", `Integration "${id}" was not found`);
  // The body's shape was checked against the route's (hand-written, undocumented) schema.
  const body = ctx.body as Record<string, unknown>;
  integration.resyncState = { ...body, updatedAt: ctx.now };
  const history = ctx.resyncHistory.get(id) ?? [];
  history.push({ at: ctx.now, userAgent: ctx.userAgent, state: { ...body } });
  ctx.resyncHistory.set(id, history);
  return { status: 200, body: { ok: true, integration } };
}
