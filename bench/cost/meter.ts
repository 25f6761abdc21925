/**
 * A metering proxy for the AWS services a run uses (SQS, DynamoDB): every request of the real
 * handlers and of the stand-in for Lambda's SQS trigger passes through it on its way to the
 * local server, and is counted the way AWS bills it.
 *
 * - SQS bills requests, and "each 64 KB chunk of a payload is billed as 1 request": the chunks
 *   are counted from the request body (sends) and the response body (receives).
 * - DynamoDB on demand bills request units. Rather than estimate item sizes ourselves, the proxy
 *   asks the server for them (`ReturnConsumedCapacity: "TOTAL"`, added to every request that
 *   accepts it) and reads the answer: dynalite computes capacity units by DynamoDB's own rules
 *   (1 KB a write unit, 4 KB a strongly consistent read unit, half for eventually consistent).
 *
 * Hand-written rather than a library: a dozen lines of forwarding over node:http, and no
 * metering proxy for these two protocols exists that we could find.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ServiceUse {
  /** Requests by API action, e.g. `SendMessageBatch`. */
  requests: Record<string, number>;
  /** What AWS bills: SQS 64 KB request chunks; DynamoDB request units (read + write). */
  billedRequests: number;
  readUnits: number;
  writeUnits: number;
  /** Receives that found the queue empty (not billed per run, see below). */
  emptyReceives: number;
  /** DynamoDB request units by API action: where a run's units go. */
  unitsByAction: Record<string, number>;
  /**
   * The same units by action and kind of item (the key's prefix: `RUN`, `BAT`, `CUR`, `MEMO`,
   * `HASH`…), for `TIDE_BENCH_TRACE`; a batch read's units are shared out by its keys.
   */
  unitsByItem: Record<string, number>;
}

const SQS_CHUNK = 64 * 1024;
const CONSUMED_CAPACITY_ACTIONS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactWriteItems",
  "TransactGetItems",
]);
/** Sends carry their payload in the request, receives in the response. */
const SQS_REQUEST_PAYLOAD = new Set(["SendMessage", "SendMessageBatch"]);
const SQS_RESPONSE_PAYLOAD = new Set(["ReceiveMessage"]);

export function emptyUse(): ServiceUse {
  return {
    requests: {},
    billedRequests: 0,
    readUnits: 0,
    writeUnits: 0,
    emptyReceives: 0,
    unitsByAction: {},
    unitsByItem: {},
  };
}

/** The counted use of one service behind one proxy, and the proxy's address to give clients. */
export interface MeteredEndpoint {
  endpoint: string;
  use: ServiceUse;
  /** Forgets what was counted (between the first and the second run). */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (an `http://127.0.0.1:port` address) that meters `service`. */
export async function meter(service: "sqs" | "dynamodb", target: string): Promise<MeteredEndpoint> {
  const upstream = new URL(target);
  let use = emptyUse();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      const action =
        String(req.headers["x-amz-target"] ?? "")
          .split(".")
          .pop() ?? "unknown";
      use.requests[action] = (use.requests[action] ?? 0) + 1;
      const askCapacity = service === "dynamodb" && CONSUMED_CAPACITY_ACTIONS.has(action);
      if (askCapacity) {
        const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        json.ReturnConsumedCapacity = "TOTAL";
        body = Buffer.from(JSON.stringify(json));
      }
      if (service === "sqs" && SQS_REQUEST_PAYLOAD.has(action)) {
        use.billedRequests += Math.max(1, Math.ceil(body.length / SQS_CHUNK));
      } else if (service === "sqs" && !SQS_RESPONSE_PAYLOAD.has(action)) {
        use.billedRequests += 1;
      }
      const headers = { ...req.headers, host: upstream.host, "content-length": String(body.length) };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () => {
            const out = Buffer.concat(parts);
            // An empty receive is the trigger's polling, which never stops: it is priced once, for
            // the month (`idlePollers`), not per run (the test's stand-in polls far more eagerly).
            if (service === "sqs" && SQS_RESPONSE_PAYLOAD.has(action)) {
              if (out.includes('"Body"'))
                use.billedRequests += Math.max(1, Math.ceil(out.length / SQS_CHUNK));
              else use.emptyReceives += 1;
            }
            if (askCapacity && (answer.statusCode ?? 500) < 300) countCapacity(use, action, body, out);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(out);
          });
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get use() {
      return use;
    },
    reset() {
      use = emptyUse();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/**
 * A write action's units are write units, a read action's read units. dynalite implements no
 * transactions (a test server may emulate them without reporting capacity), so a transaction's
 * units are estimated from its request: two per item and started KB, as on demand bills them,
 * the item's size taken as its JSON text (an upper bound of DynamoDB's own measure).
 */
function countCapacity(use: ServiceUse, action: string, request: Buffer, response: Buffer): void {
  const answer = JSON.parse(response.toString("utf8")) as { ConsumedCapacity?: Capacity | Capacity[] };
  const consumed = [answer.ConsumedCapacity ?? []].flat();
  let units = consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  if (units === 0 && action.startsWith("Transact")) units = transactionUnits(request);
  const reads = ["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"].includes(action);
  if (reads) use.readUnits += units;
  else use.writeUnits += units;
  use.unitsByAction[action] = (use.unitsByAction[action] ?? 0) + units;
  use.billedRequests += units;
  const kinds = itemKinds(action, request);
  for (const kind of kinds) {
    const key = `${action} ${kind}`;
    use.unitsByItem[key] = (use.unitsByItem[key] ?? 0) + units / kinds.length;
  }
}

type Key = { pk?: { S?: string }; sk?: { S?: string } };

/** What kind of item each key of a request names: its sort key's prefix, or its partition key's. */
function itemKinds(action: string, request: Buffer): string[] {
  const body = JSON.parse(request.toString("utf8")) as {
    Item?: Key;
    Key?: Key;
    TransactItems?: Array<Record<string, { Item?: Key; Key?: Key }>>;
    RequestItems?: Record<string, { Keys?: Key[] } | Array<{ PutRequest?: { Item: Key } }>>;
    ExpressionAttributeValues?: Record<string, { S?: string }>;
  };
  const kind = (key: Key | undefined) => {
    const pk = key?.pk?.S ?? "";
    const sk = key?.sk?.S ?? "";
    return pk.startsWith("RUN#") || pk.startsWith("INT#")
      ? (sk.split(/[#:]/)[0] ?? "?")
      : (pk.split("#")[0] ?? "?");
  };
  if (action === "Query") {
    const v = body.ExpressionAttributeValues ?? {};
    return [(v[":prefix"]?.S ?? v[":hist"]?.S ?? "?").split(/[#:]/)[0] ?? "?"];
  }
  if (body.TransactItems)
    return body.TransactItems.map((t) => kind(Object.values(t)[0]?.Item ?? Object.values(t)[0]?.Key));
  if (body.RequestItems) {
    return Object.values(body.RequestItems).flatMap((r) =>
      Array.isArray(r) ? r.map((w) => kind(w.PutRequest?.Item)) : (r.Keys ?? []).map(kind),
    );
  }
  return [kind(body.Item ?? body.Key)];
}

function transactionUnits(request: Buffer): number {
  const { TransactItems = [] } = JSON.parse(request.toString("utf8")) as { TransactItems?: unknown[] };
  const perKb = (item: unknown) => Math.max(1, Math.ceil(JSON.stringify(item).length / 1024));
  return TransactItems.reduce<number>((sum, item) => sum + 2 * perKb(item), 0);
}
