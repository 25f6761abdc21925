import { fail, invalid, type Reply } from "./reply.ts";
import type { RouteContext } from "./routes.ts";
import { isObject } from "./schema.ts";

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

const RESYNC_FIELDS = new Set([
  "status",
  "lastResyncStart",
  "lastResyncEnd",
  "nextResync",
  "intervalInMinutes",
  "updatedAt",
]);
const RESYNC_STATUSES = new Set(["running", "completed", "failed", "aborted"]);

export function getIntegration(ctx: RouteContext): Reply {
  const integration = ctx.integrations.get(ctx.params[0] ?? "");
  if (!integration) return fail(404, "not_found", `Integration "${ctx.params[0]}" was not found`);
  return { status: 200, body: { ok: true, integration } };
}

export function patchResyncState(ctx: RouteContext): Reply {
  const id = ctx.params[0] ?? "";
  const integration = ctx.integrations.get(id);
  if (!integration) return fail(404, "not_found", `Integration "${id}" was not found`);
  const body = ctx.body;
  if (!isObject(body)) return invalid("body must be an object");
  const unknown = Object.keys(body).filter((k) => !RESYNC_FIELDS.has(k));
  if (unknown.length > 0) return invalid(`unknown resync-state fields: ${unknown.join(", ")}`);
  if (!RESYNC_STATUSES.has(String(body.status))) {
    return invalid(`status must be one of ${[...RESYNC_STATUSES].join(", ")}`);
  }
  for (const key of ["lastResyncStart", "lastResyncEnd", "nextResync"]) {
    const v = body[key];
    if (
      v !== undefined &&
      v !== null &&
      typeof v !== "number" &&
      (typeof v !== "string" || Number.isNaN(Date.parse(v)))
    ) {
      return invalid(`${key} must be a date (ISO string or epoch ms) or null`);
    }
  }
  integration.resyncState = { ...body, updatedAt: ctx.now };
  const history = ctx.resyncHistory.get(id) ?? [];
  history.push({ at: ctx.now, userAgent: ctx.userAgent, state: { ...body } });
  ctx.resyncHistory.set(id, history);
  return { status: 200, body: { ok: true, integration } };
}
