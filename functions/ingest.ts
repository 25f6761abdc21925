import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { ingestHandler } from "../lib/aws/handlers.ts";
import { CloudWatchRunOutcomes } from "../lib/aws/run-metrics.ts";
import { runtimeOfContainer } from "../lib/aws/runtime.ts";

const logger = new Logger();
const metrics = new Metrics();

/** Maps and upserts a batch of SQS messages; reports the ones to deliver again. */
export const handler = middy(ingestHandler(runtimeOfContainer, logger, metrics, new CloudWatchRunOutcomes()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
