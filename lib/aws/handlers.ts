import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { PortMappingError } from "../integration/errors.ts";
import { type FanoutResult, runFanout } from "../pipeline/fanout.ts";
import { ingest } from "../pipeline/ingest.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { RunOutcomes } from "../pipeline/outcomes.ts";
import { parseFanoutEvent } from "./events.ts";
import type { Runtime } from "./runtime.ts";

/**
 * The fanout's logic as a plain async function of (event, context): the Lambda entry point
 * wraps it in middy with logging and metrics; tests call it with a local runtime.
 */
export function fanoutHandler(runtime: () => Promise<Runtime>, log: Logger, outcomes?: RunOutcomes) {
  return async (
    event: unknown,
    context: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<FanoutResult> => {
    const rt = await runtime();
    const parsed = parseFanoutEvent(event);
    // A new run takes the mapping Port holds now; a continuation keeps its run's snapshot.
    let integration: Awaited<ReturnType<Runtime["openIntegration"]>> | undefined;
    if (parsed.type === "start") {
      try {
        integration = await rt.openIntegration(log);
      } catch (error) {
        // A lock taken for this run by Port's Resync webhook is released: the next click may start.
        if (parsed.runId) await rt.store.releaseLock(rt.integrationId, parsed.runId);
        // Already reported to Port and logged: not thrown, so Lambda does not retry it twice more.
        if (error instanceof PortMappingError) {
          log.error(error.message, { problems: error.problems });
          return { outcome: "stopped", runId: parsed.runId ?? "", status: "failed" };
        }
        throw error;
      }
    }
    const shipped = integration ? undefined : await rt.portLog(log);
    try {
      return await runFanout(
        {
          integrationId: rt.integrationId,
          config: integration?.mapping.config ?? rt.config,
          store: rt.store,
          queue: rt.queue,
          catalog: rt.catalog,
          hashes: rt.hashes,
          memos: rt.memos,
          look: rt.look,
          handOff: handOffOf(rt),
          stall: rt.stall,
          source: rt.source(),
          invoker: rt.invoker(),
          log: integration?.log ?? shipped?.logger ?? log,
          ...(outcomes ? { outcomes } : {}),
          options: rt.fanoutOptions,
          remainingMs: () => context.getRemainingTimeInMillis(),
          examples: integration?.examples,
        },
        parsed,
      );
    } finally {
      await integration?.close();
      await shipped?.close();
    }
  };
}

/** The ingest's logic: an SQS batch in, the messages to deliver again out. */
export function ingestHandler(
  runtime: () => Promise<Runtime>,
  log: Logger,
  metrics?: Metrics,
  outcomes?: RunOutcomes,
) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const rt = await runtime();
    const started = Date.now();
    // Run ends, summaries and failures are logged here too: they go to Port's integration page.
    const shipped = await rt.portLog(log);
    const report = await ingest(
      {
        store: rt.store,
        catalog: rt.catalog,
        hashes: rt.hashes,
        memos: rt.memos,
        look: rt.look,
        handOff: handOffOf(rt),
        stall: rt.stall,
        log: shipped.logger,
        ...(outcomes ? { outcomes } : {}),
        mappers: rt.mappers,
        maxReceiveCount: rt.maxReceiveCount,
      },
      event.Records.map((record) => ({
        id: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
      })),
    ).finally(() => shipped.close());
    if (metrics) {
      metrics.addMetric("MessagesIngested", MetricUnit.Count, report.ingested);
      metrics.addMetric("MessagesRetried", MetricUnit.Count, report.retry.length);
      metrics.addMetric("DuplicateDeliveries", MetricUnit.Count, report.duplicates);
      metrics.addMetric("StaleBatches", MetricUnit.Count, report.stale);
      metrics.addMetric("Entities", MetricUnit.Count, report.entities);
      metrics.addMetric("Items", MetricUnit.Count, report.items);
      metrics.addMetric("Failures", MetricUnit.Count, report.failures);
      metrics.addMetric("JqFastPathFallbacks", MetricUnit.Count, report.fastPathFallbacks);
      metrics.addMetric("BatchLatency", MetricUnit.Milliseconds, Date.now() - started);
    }
    return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** The hand-off of reconciliation to its own invocation, when the invoker can start one; else inline. */
function handOffOf(rt: Runtime): ((runId: string) => Promise<void>) | undefined {
  return rt.invoker().reconcile ? (runId) => rt.handOff(runId) : undefined;
}
