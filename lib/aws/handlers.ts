import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { type FanoutResult, runFanout } from "../pipeline/fanout.ts";
import { ingest } from "../pipeline/ingest.ts";
import type { Logger } from "../pipeline/logger.ts";
import { parseFanoutEvent } from "./events.ts";
import type { Runtime } from "./runtime.ts";

/**
 * The fanout's logic as a plain async function of (event, context): the Lambda entry point
 * wraps it in middy with logging and metrics; tests call it with a local runtime.
 */
export function fanoutHandler(runtime: () => Promise<Runtime>, log: Logger) {
  return async (
    event: unknown,
    context: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<FanoutResult> => {
    const rt = await runtime();
    return runFanout(
      {
        integrationId: rt.integrationId,
        config: rt.config,
        store: rt.store,
        queue: rt.queue,
        catalog: rt.catalog,
        hashes: rt.hashes,
        look: rt.look,
        source: rt.source(),
        invoker: rt.invoker(),
        log,
        options: rt.fanoutOptions,
        remainingMs: () => context.getRemainingTimeInMillis(),
      },
      parseFanoutEvent(event),
    );
  };
}

/** The ingest's logic: an SQS batch in, the messages to deliver again out. */
export function ingestHandler(runtime: () => Promise<Runtime>, log: Logger, metrics?: Metrics) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const rt = await runtime();
    const started = Date.now();
    const report = await ingest(
      {
        store: rt.store,
        catalog: rt.catalog,
        hashes: rt.hashes,
        look: rt.look,
        log,
        mappers: rt.mappers,
        maxReceiveCount: rt.maxReceiveCount,
      },
      event.Records.map((record) => ({
        id: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
      })),
    );
    if (metrics) {
      metrics.addMetric("MessagesIngested", MetricUnit.Count, report.ingested);
      metrics.addMetric("MessagesRetried", MetricUnit.Count, report.retry.length);
      metrics.addMetric("DuplicateDeliveries", MetricUnit.Count, report.duplicates);
      metrics.addMetric("Entities", MetricUnit.Count, report.entities);
      metrics.addMetric("Items", MetricUnit.Count, report.items);
      metrics.addMetric("Failures", MetricUnit.Count, report.failures);
      metrics.addMetric("JqFastPathFallbacks", MetricUnit.Count, report.fastPathFallbacks);
      metrics.addMetric("BatchLatency", MetricUnit.Milliseconds, Date.now() - started);
    }
    return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
