import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { changelogHandler, isFunctionUrlEvent } from "../lib/aws/changelog.ts";
import { fanoutHandler } from "../lib/aws/handlers.ts";
import { CloudWatchRunOutcomes } from "../lib/aws/run-metrics.ts";
import { runtimeOfContainer } from "../lib/aws/runtime.ts";

const logger = new Logger();
const fanout = fanoutHandler(runtimeOfContainer, logger, new CloudWatchRunOutcomes());
const changelog = changelogHandler(runtimeOfContainer, logger);

/**
 * Starts or continues a resync: scheduled, manual (`tide resync`), its own continuation or
 * reconciliation step, or Port's changelog webhook through the function's URL (which only
 * takes the run lock and starts a run asynchronously).
 */
export const handler = middy(
  async (event: unknown, context: Context): Promise<unknown> =>
    isFunctionUrlEvent(event) ? changelog(event) : fanout(event, context),
).use(injectLambdaContext(logger));
