import type { RunStore } from "../pipeline/contracts/index.ts";
import type { StartEvent } from "../pipeline/fanout.ts";
import { DEFAULT_FANOUT_OPTIONS } from "../pipeline/fanout.ts";
import { newRunId } from "../pipeline/ids.ts";
import type { ResyncStart } from "./changelog.ts";

export interface LockedStartDeps {
  integrationId: string;
  store: Pick<RunStore, "acquireLock" | "releaseLock">;
  /** Starts the fanout with this event, asynchronously (Lambda `Event` invoke). */
  startFanout(event: StartEvent): Promise<void>;
  lockStaleAfterMs?: number;
}

/**
 * Starts a resync for Port's changelog webhook: takes the integration's run lock for a new run
 * id first (the fanout takes the same lock again for that id), then starts the fanout. While
 * a run holds the lock, the request is refused, so a burst of clicks runs one resync.
 *
 * @example
 * const result = await startLockedResync({ integrationId, store, startFanout: (e) => invoker.startFanout(e) });
 */
export async function startLockedResync(deps: LockedStartDeps): Promise<ResyncStart> {
  const runId = newRunId();
  const lock = await deps.store.acquireLock(deps.integrationId, runId, {
    staleAfterMs: deps.lockStaleAfterMs ?? DEFAULT_FANOUT_OPTIONS.lockStaleAfterMs,
    supersede: false,
  });
  if (!lock.acquired) {
    return { started: false, reason: `resync ${lock.holder} is running (since ${lock.since})` };
  }
  try {
    await deps.startFanout({ type: "start", trigger: "port", runId });
  } catch (error) {
    await deps.store.releaseLock(deps.integrationId, runId);
    throw error;
  }
  return { started: true, runId };
}
