import { maybeFinish } from "./finish.ts";
import type { IngestDeps, ReceivedMessage } from "./ingest.ts";
import type { IngestMessageV1, MessagePart } from "./message.ts";

/**
 * On its last receive, a message that cannot be read but still names its run and batches
 * fails those batches, so the run finishes (as failed) instead of waiting for them forever.
 */
export async function failUnreadable(
  deps: IngestDeps,
  received: ReceivedMessage,
  error: Error,
): Promise<void> {
  let value: (Partial<IngestMessageV1> & { parts?: unknown }) | null;
  try {
    value = JSON.parse(received.body) as typeof value;
  } catch {
    return; // not even JSON: nothing names a run
  }
  const { runId, resource } = value ?? {};
  if (typeof runId !== "string" || !Number.isInteger(resource)) return;
  const parts = (Array.isArray(value?.parts) ? value.parts : [value]) as Array<Partial<MessagePart> | null>;
  const kind = typeof value?.kind === "string" ? value.kind : `#${resource}`;
  for (const part of parts) {
    if (typeof part?.batch !== "string") continue;
    const items = Array.isArray(part.items) ? part.items.length : 0;
    await failUnreadableBatch(deps, received, error, {
      runId,
      resource: resource as number,
      kind,
      batch: part.batch,
      items,
    });
  }
}

async function failUnreadableBatch(
  deps: IngestDeps,
  received: ReceivedMessage,
  error: Error,
  {
    runId,
    resource,
    kind,
    batch,
    items,
  }: { runId: string; resource: number; kind: string; batch: string; items: number },
): Promise<void> {
  try {
    if ((await deps.store.getBatches(runId, [batch])).get(batch)?.state !== "sent") return;
    const outcome = await deps.store.settleBatch(runId, {
      batch,
      resource,
      state: "failed",
      items,
      entities: 0,
      unchanged: 0,
      filtered: 0,
      failures: [{ kind, batch, message: `unreadable message ${received.id}: ${error.message}` }],
      failureCount: Math.max(1, items),
      seen: {},
    });
    if (outcome.applied) await maybeFinish(deps, outcome.run);
  } catch (failure) {
    deps.log.error("could not record an unreadable message as failed", {
      messageId: received.id,
      error: (failure as Error).message,
    });
  }
}
