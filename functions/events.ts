import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { eventsHandler } from "../lib/aws/live-handlers.ts";
import { buildEventsRuntime, perContainer } from "../lib/aws/live-runtime.ts";

const logger = new Logger();

/** Applies queued GitHub events to Port with the bundled mapping, once per delivery, in order per entity. */
export const handler = middy(eventsHandler(perContainer(() => buildEventsRuntime(process.env, logger)))).use(
  injectLambdaContext(logger),
);
