import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * dynalite (4.0) has no `TransactWriteItems` (its issue #98; an open pull request). This puts
 * a front before it that implements the operation as DynamoDB documents it: all or nothing,
 * isolated from every other request, `TransactionCanceledException` with one cancellation
 * reason per action (`ConditionalCheckFailed` or `None`), `ValidationException` for two
 * actions on one item or more than 100 actions. Isolation: the front holds every other
 * request while a transaction runs (a readers-writer lock). Atomicity: each action is applied
 * with dynalite's own conditional writes and, when any condition fails, every item is put
 * back as it was. Everything else is passed to dynalite untouched.
 */
export async function startTransactionFront(
  backend: string,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const lock = new ReadWriteLock();
  const keySchemas = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "");
      if (target.endsWith(".TransactWriteItems")) {
        // The inner calls carry the caller's signature headers (dynalite checks their form only).
        const call: Call = (operation, input) =>
          send(backend, { ...req.headers, "x-amz-target": `DynamoDB_20120810.${operation}` }, input);
        const keyNames = async (table: string) => {
          let names = keySchemas.get(table);
          if (!names) {
            const described = (await call("DescribeTable", { TableName: table })).reply as {
              Table?: { KeySchema?: Array<{ AttributeName: string }> };
            };
            names = (described.Table?.KeySchema ?? []).map((k) => k.AttributeName);
            keySchemas.set(table, names);
          }
          return names;
        };
        void lock.exclusive(async () => {
          let answer: Answer;
          try {
            answer = await transact(call, keyNames, JSON.parse(body.toString("utf8")));
          } catch (error) {
            answer = { status: 500, reply: { __type: `${TYPE}InternalServerError`, message: String(error) } };
          }
          res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify(answer.reply));
        });
        return;
      }
      void lock.shared(
        () =>
          new Promise<void>((resolve) => {
            const forward = request(
              `${backend}${req.url ?? "/"}`,
              { method: req.method, headers: req.headers },
              (answer) => {
                res.writeHead(answer.statusCode ?? 500, answer.headers);
                answer.pipe(res);
                answer.on("end", resolve);
                answer.on("error", resolve);
              },
            );
            forward.on("error", (error) => {
              res.destroy(error);
              resolve();
            });
            forward.end(body);
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  reply: unknown;
}
type Call = (operation: string, input: unknown) => Promise<Answer>;

/** One DynamoDB JSON call to dynalite, in the wire format (binary values stay base64). */
function send(backend: string, headers: IncomingHttpHeaders, input: unknown): Promise<Answer> {
  const body = Buffer.from(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const { host: _, "content-length": __, ...rest } = headers;
    const req = request(
      backend,
      { method: "POST", headers: { ...rest, "content-length": String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 500, reply: text ? JSON.parse(text) : {} });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

type Attr = Record<string, unknown>;
interface Action {
  TableName: string;
  Key?: Record<string, Attr>;
  Item?: Record<string, Attr>;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, Attr>;
}
type Kind = "Put" | "Update" | "Delete" | "ConditionCheck";

const TYPE = "com.amazonaws.dynamodb.v20120810#";

async function transact(
  call: Call,
  keyNames: (table: string) => Promise<string[]>,
  input: { TransactItems?: Array<Partial<Record<Kind, Action>>> },
): Promise<Answer> {
  const invalid = (message: string) => ({
    status: 400,
    reply: { __type: `${TYPE}ValidationException`, message },
  });
  const items = input.TransactItems ?? [];
  if (items.length === 0 || items.length > 100)
    return invalid("1 validation error detected: Value at 'transactItems' failed to satisfy constraint");
  const actions: Array<{ kind: Kind; action: Action; key: Record<string, Attr>; id: string }> = [];
  for (const entry of items) {
    const kinds = Object.keys(entry) as Kind[];
    const kind = kinds[0];
    if (kinds.length !== 1 || !kind)
      return invalid("TransactItems can only contain one of Check, Put, Update or Delete");
    const action = entry[kind] as Action;
    const names = await keyNames(action.TableName);
    const source = kind === "Put" ? action.Item : action.Key;
    const key = Object.fromEntries(names.map((n) => [n, source?.[n] as Attr]));
    const id = `${action.TableName}/${JSON.stringify(key)}`;
    if (actions.some((a) => a.id === id))
      return invalid("Transaction request cannot include multiple operations on one item");
    actions.push({ kind, action, key, id });
  }
  // As each item was: put back when any condition fails. One read for all (distinct keys).
  const before: Array<Record<string, Attr> | undefined> = [];
  const byTable = new Map<string, Array<Record<string, Attr>>>();
  for (const { action, key } of actions)
    byTable.set(action.TableName, [...(byTable.get(action.TableName) ?? []), key]);
  const got = await call("BatchGetItem", {
    RequestItems: Object.fromEntries(
      [...byTable].map(([table, keys]) => [table, { Keys: keys, ConsistentRead: true }]),
    ),
  });
  if (got.status !== 200) return got;
  const found = (got.reply as { Responses?: Record<string, Array<Record<string, Attr>>> }).Responses ?? {};
  for (const { action, key } of actions) {
    const same = (item: Record<string, Attr>) =>
      Object.entries(key).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
    before.push((found[action.TableName] ?? []).find(same));
  }
  // The actions touch distinct items, so they may be applied together.
  const answers = await Promise.all(
    actions.map(({ kind, action, key }) => {
      const condition = {
        ConditionExpression: action.ConditionExpression,
        ExpressionAttributeNames: action.ExpressionAttributeNames,
        ExpressionAttributeValues: action.ExpressionAttributeValues,
      };
      if (kind === "Put" || kind === "Update") return call(`${kind}Item`, action);
      if (kind === "Delete")
        return call("DeleteItem", { TableName: action.TableName, Key: key, ...condition });
      // A condition alone: checked by a write that changes nothing but may create the item,
      // which the restore below undoes.
      return call("UpdateItem", {
        TableName: action.TableName,
        Key: key,
        UpdateExpression: "REMOVE #txProbe",
        ...condition,
        ExpressionAttributeNames: { ...action.ExpressionAttributeNames, "#txProbe": "__txProbe" },
      });
    }),
  );
  const reasons: Array<{ Code: string; Message?: string }> = [];
  for (const answer of answers) {
    const type = String((answer.reply as { __type?: string }).__type ?? "");
    if (answer.status === 200) reasons.push({ Code: "None" });
    else if (type.endsWith("#ConditionalCheckFailedException"))
      reasons.push({ Code: "ConditionalCheckFailed", Message: "The conditional request failed" });
    else {
      await restore(call, actions, before);
      return answer;
    }
  }
  if (reasons.some((r) => r.Code !== "None")) {
    await restore(call, actions, before);
    return {
      status: 400,
      reply: {
        __type: `${TYPE}TransactionCanceledException`,
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        CancellationReasons: reasons,
      },
    };
  }
  const checks = actions.flatMap((a, i) => (a.kind === "ConditionCheck" ? [i] : []));
  await restore(
    call,
    checks.map((i) => actions[i] as (typeof actions)[number]),
    checks.map((i) => before[i]),
  );
  return { status: 200, reply: {} };
}

async function restore(
  call: Call,
  actions: Array<{ action: Action; key: Record<string, Attr> }>,
  before: Array<Record<string, Attr> | undefined>,
): Promise<void> {
  await Promise.all(
    actions.map(({ action, key }, i) => {
      const item = before[i];
      return item
        ? call("PutItem", { TableName: action.TableName, Item: item })
        : call("DeleteItem", { TableName: action.TableName, Key: key });
    }),
  );
}

/** Many readers at once, or one writer alone; a waiting writer goes before later readers. */
class ReadWriteLock {
  #readers = 0;
  #writing = false;
  #waiting: Array<{ write: boolean; go: () => void }> = [];

  async shared<T>(work: () => Promise<T>): Promise<T> {
    await this.#enter(false);
    try {
      return await work();
    } finally {
      this.#readers--;
      this.#next();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.#enter(true);
    try {
      return await work();
    } finally {
      this.#writing = false;
      this.#next();
    }
  }

  #enter(write: boolean): Promise<void> {
    const free = !this.#writing && this.#waiting.length === 0 && (!write || this.#readers === 0);
    if (free) {
      if (write) this.#writing = true;
      else this.#readers++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push({ write, go: resolve }));
  }

  #next(): void {
    while (this.#waiting.length > 0 && !this.#writing) {
      const first = this.#waiting[0] as { write: boolean; go: () => void };
      if (first.write) {
        if (this.#readers > 0) return;
        this.#waiting.shift();
        this.#writing = true;
        first.go();
        return;
      }
      this.#waiting.shift();
      this.#readers++;
      first.go();
    }
  }
}
