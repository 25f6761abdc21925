import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { fanoutHandler } from "../lib/aws/handlers.ts";
import { CloudWatchRunOutcomes } from "../lib/aws/run-metrics.ts";
import { runtimeOfContainer } from "../lib/aws/runtime.ts";

const logger = new Logger();

/** Starts or continues a resync: scheduled, manual (`tide resync`) or its own continuation. */
export const handler = middy(fanoutHandler(runtimeOfContainer, logger, new CloudWatchRunOutcomes())).use(
  injectLambdaContext(logger),
);
