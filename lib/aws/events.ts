import { ResyncRequestError } from "../pipeline/errors.ts";
import type { FanoutEvent } from "../pipeline/fanout.ts";

/**
 * Reads the events the fanout accepts: a continuation of its own, a reconciliation step
 * (`{type: "reconcile", runId}`), the watchdog (`{type: "watchdog"}`, from the stack's schedule), a manual payload
 * (`tide resync`: `{ kinds?, supersede?, runId?, incremental? }`), and an EventBridge Scheduler
 * event (the stack sends `{ "trigger": "schedule" }`, with `"incremental": true` from the
 * incremental schedule; a bare scheduled event counts as a full one too).
 */
export function parseFanoutEvent(event: unknown): FanoutEvent {
  const input = (event ?? {}) as Record<string, unknown>;
  if (typeof input !== "object" || Array.isArray(input))
    throw new ResyncRequestError("fanout event must be an object");
  if (input.type === "reconcile") {
    if (typeof input.runId !== "string")
      throw new ResyncRequestError("reconcile event: runId must be a string");
    return { type: "reconcile", runId: input.runId };
  }
  if (input.type === "watchdog") return { type: "watchdog" };
  if (input.type === "continue") {
    if (typeof input.runId !== "string")
      throw new ResyncRequestError("continue event: runId must be a string");
    return {
      type: "continue",
      runId: input.runId,
      continuation: Number(input.continuation ?? 0),
      resumeAt: typeof input.resumeAt === "string" ? input.resumeAt : undefined,
    };
  }
  const kinds = input.kinds;
  if (kinds !== undefined && !(Array.isArray(kinds) && kinds.every((k) => typeof k === "string"))) {
    throw new ResyncRequestError("kinds must be a list of kind names");
  }
  const scheduled = input.trigger === "schedule" || input["detail-type"] === "Scheduled Event";
  return {
    type: "start",
    trigger: scheduled
      ? "schedule"
      : input.trigger === "cli" || input.trigger === "port"
        ? input.trigger
        : "manual",
    kinds: kinds as string[] | undefined,
    supersede: input.supersede === true,
    runId: typeof input.runId === "string" ? input.runId : undefined,
    fullRewrite: input.fullRewrite === true,
    ...(input.incremental === true ? { incremental: true } : {}),
  };
}
