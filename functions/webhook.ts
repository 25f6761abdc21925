import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { webhookHandler } from "../lib/aws/live-handlers.ts";
import { buildWebhookRuntime, perContainer } from "../lib/aws/live-runtime.ts";

const logger = new Logger();

/** GitHub's webhooks (a Function URL): verified, queued for the events worker, answered at once. */
export const handler = middy(
  webhookHandler(
    perContainer(() => buildWebhookRuntime(process.env)),
    logger,
  ),
).use(injectLambdaContext(logger));
