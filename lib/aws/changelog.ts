import { GetFunctionUrlConfigCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { LambdaFunctionURLEvent } from "aws-lambda";
import { receiveChangelog } from "../integration/changelog.ts";
import { startLockedResync } from "../integration/resync-trigger.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { UrlResult } from "./live-handlers.ts";
import type { Runtime } from "./runtime.ts";

/** Whether the fanout was called through its Function URL (Port's changelog webhook). */
export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  const http = (event as { requestContext?: { http?: unknown } } | null)?.requestContext?.http;
  return typeof http === "object" && http !== null;
}

/**
 * The fanout's Function URL (auth NONE): `POST /resync/<path>` (the path `resyncPathSecret`
 * derives from Port's client secret) starts a resync through the run lock (202, or 409 while
 * one runs); any other path is 404; a request signed with a wrong `x-port-signature` is 401. The fanout serves it itself so that it can name its own URL
 * to Port without a circular reference in the template.
 */
export function changelogHandler(runtime: () => Promise<Runtime>, log: Logger) {
  return async (event: LambdaFunctionURLEvent): Promise<UrlResult> => {
    const rt = await runtime();
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8").toString("utf8");
    const changelog = rt.changelog;
    if (!changelog.pathSecret) {
      return json(404, { ok: false, error: "not found" });
    }
    const answer = await receiveChangelog(
      {
        pathSecret: changelog.pathSecret,
        signingSecret: changelog.signingSecret,
        log,
        start: () =>
          startLockedResync({
            integrationId: rt.integrationId,
            store: rt.store,
            startFanout: (start) => rt.invoker().startFanout(start),
            lockStaleAfterMs: rt.fanoutOptions.lockStaleAfterMs,
          }),
      },
      { method: event.requestContext.http.method, path: event.rawPath ?? "/", headers, body },
    );
    return json(answer.status, answer.body);
  };
}

/** This function's own Function URL, as Port's changelog destination (`…/resync/<derived path>`). */
export async function ownChangelogUrl(
  client: LambdaClient,
  functionName: string,
  pathSecret: string,
): Promise<string> {
  const config = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName }));
  if (!config.FunctionUrl) throw new Error(`function ${functionName} has no Function URL`);
  return `${config.FunctionUrl.replace(/\/+$/, "")}/resync/${pathSecret}`;
}

function json(statusCode: number, body: Record<string, unknown>): UrlResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
