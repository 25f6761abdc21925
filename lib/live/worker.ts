import type { ReceivedMessage } from "../pipeline/ingest.ts";
import { type ApplyDeps, type ApplyOutcome, applyEvent } from "./apply.ts";
import { EventApplyError } from "./errors.ts";
import { type LiveEvent, parseLiveEvent } from "./event.ts";

/** Where an event that cannot be applied goes, with its reason; it never blocks later events. */
export interface DeadLetters {
  send(body: string, reason: string): Promise<void>;
}

export interface WorkerDeps extends ApplyDeps {
  deadLetters: DeadLetters;
  /** Deliveries of a message before a transient failure sends it to the dead letters. */
  maxReceiveCount: number;
}

export interface WorkerReport {
  /** Messages to deliver again (SQS `batchItemFailures`). */
  retry: string[];
  applied: number;
  duplicates: number;
  ignored: number;
  deadLettered: number;
  outcomes: ApplyOutcome[];
}

/**
 * Applies a batch of queued events. Events of one group (one entity) apply in order, one at a
 * time; groups apply concurrently. A transient failure is retried (with the rest of its group,
 * to keep the order) until the last receive; any other failure goes to the dead letters at once
 * with its reason, and the events after it go on.
 *
 * @example
 * const report = await processEvents(deps, records.map((r) => ({ id: r.messageId, body: r.body, receiveCount: 1 })));
 * return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
 */
export async function processEvents(deps: WorkerDeps, messages: ReceivedMessage[]): Promise<WorkerReport> {
  const report: WorkerReport = {
    retry: [],
    applied: 0,
    duplicates: 0,
    ignored: 0,
    deadLettered: 0,
    outcomes: [],
  };
  const groups = new Map<string, Array<{ message: ReceivedMessage; event: LiveEvent }>>();
  for (const message of messages) {
    let event: LiveEvent;
    try {
      event = parseLiveEvent(message.body);
    } catch (error) {
      await deadLetter(deps, report, message, `unreadable message: ${(error as Error).message}`);
      continue;
    }
    groups.set(event.group, [...(groups.get(event.group) ?? []), { message, event }]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [i, { message, event }] of group.entries()) {
        const retry = await applyOne(deps, report, message, event);
        if (retry) {
          report.retry.push(...group.slice(i).map((g) => g.message.id));
          return;
        }
      }
    }),
  );
  return report;
}

/** True when the message (and the rest of its group) must be delivered again. */
async function applyOne(
  deps: WorkerDeps,
  report: WorkerReport,
  message: ReceivedMessage,
  event: LiveEvent,
): Promise<boolean> {
  const where = { deliveryId: event.deliveryId, event: event.event, action: event.action };
  try {
    const outcome = await applyEvent(deps, event);
    report.outcomes.push(outcome);
    if (outcome.status === "duplicate") report.duplicates++;
    else if (outcome.status === "ignored") report.ignored++;
    else report.applied++;
    deps.log.info(`live event ${outcome.status}`, { ...where, ...outcome });
    return false;
  } catch (error) {
    const transient = !(error instanceof EventApplyError) || error.transient;
    const reason = (error as Error).message;
    if (transient && message.receiveCount < deps.maxReceiveCount) {
      deps.log.warn("live event failed; it will be delivered again", { ...where, reason });
      return true;
    }
    await deadLetter(deps, report, message, reason);
    return false;
  }
}

async function deadLetter(deps: WorkerDeps, report: WorkerReport, message: ReceivedMessage, reason: string) {
  deps.log.error("live event failed: sent to the dead-letter queue", { messageId: message.id, reason });
  await deps.deadLetters.send(message.body, reason);
  report.deadLettered++;
}
