import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalFunctionUrls {
  /** The server's address, for `AWS_ENDPOINT_URL_LAMBDA`. */
  endpoint: string;
  /** The URL each known function has, as `GetFunctionUrlConfig` returns it (with its trailing slash). */
  urls: Record<string, string>;
  /** How many times each function's URL was asked for. */
  requests: Record<string, number>;
  close(): Promise<void>;
}

/**
 * Lambda's `GetFunctionUrlConfig` (REST: `GET /2021-10-31/functions/{name}/url`), as far as the
 * fanout uses it to name its own URL to Port. An unknown function answers 404
 * (ResourceNotFoundException), as Lambda does for a function without a URL.
 */
export async function startFunctionUrls(urls: Record<string, string>): Promise<LocalFunctionUrls> {
  const requests: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const match = /^\/2021-10-31\/functions\/([^/]+)\/url/.exec(req.url ?? "");
      const name = decodeURIComponent(match?.[1] ?? "");
      const url = match && req.method === "GET" ? urls[name] : undefined;
      if (!url) {
        res.writeHead(404, {
          "content-type": "application/json",
          "x-amzn-errortype": "ResourceNotFoundException",
        });
        res.end(
          JSON.stringify({ Type: "User", Message: `The resource you requested does not exist: ${name}` }),
        );
        return;
      }
      requests[name] = (requests[name] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          FunctionUrl: url,
          FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
          AuthType: "NONE",
          InvokeMode: "BUFFERED",
          CreationTime: "2026-01-01T00:00:00.000Z",
          LastModifiedTime: "2026-01-01T00:00:00.000Z",
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    urls,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
