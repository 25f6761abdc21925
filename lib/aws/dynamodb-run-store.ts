import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { PortAppConfig } from "../mapping/index.ts";
import { MAX_PROGRESS_ERRORS } from "../pipeline/caps.ts";
import type { LockResult, RunStore, SettleOutcome } from "../pipeline/contracts/index.ts";
import { partitionKey } from "../pipeline/ids.ts";
import type {
  BatchRecord,
  BatchResult,
  Checkpoint,
  Failure,
  ResourceProgress,
  RunRecord,
  RunStatus,
  RunSummary,
  UnchangedPartition,
} from "../pipeline/run.ts";
import {
  bool,
  flag,
  type Item,
  itemToBatch,
  itemToBatches,
  itemToRun,
  itemToUnchanged,
  json,
  keys,
  n,
  num,
  packed,
  runToItem,
  s,
  str,
  unchangedGroupPrefix,
} from "./run-table-codec.ts";
import { groupUnchanged } from "./unchanged-groups.ts";

/** DynamoDB's most items in one `TransactWriteItems`. */
const MAX_TRANSACTION_ITEMS = 100;
/** The update that settles one batch, if it is in the state `ConditionExpression` says. */
type SettleUpdate = {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
};

/** Under DynamoDB's 4 MB a transaction, with room for keys and names. */
const MAX_TRANSACTION_BYTES = 3 * 1024 * 1024;

export interface DynamoRunStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** How long run items are kept (DynamoDB TTL), in days. */
  retentionDays?: number;
}

/**
 * The run table in DynamoDB. Conditional writes make each step count once: a batch is
 * settled by one delivery only, a run changes status once, one run holds the lock.
 * Every item carries `expiresAt` for TTL.
 */
export class DynamoRunStore implements RunStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #retentionSeconds: number;

  constructor(options: DynamoRunStoreOptions) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  async acquireLock(
    integrationId: string,
    runId: string,
    options: { staleAfterMs: number; supersede: boolean },
  ): Promise<LockResult> {
    const now = Date.now();
    try {
      const result = await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keys.lock(integrationId),
            runId: s(runId),
            touchedAt: n(now),
            since: s(new Date(now).toISOString()),
            expiresAt: n(this.#expiresAt()),
          },
          ...(options.supersede
            ? {}
            : {
                ConditionExpression: "attribute_not_exists(pk) OR runId = :me OR touchedAt < :stale",
                ExpressionAttributeValues: { ":me": s(runId), ":stale": n(now - options.staleAfterMs) },
              }),
          ReturnValues: "ALL_OLD",
        }),
      );
      const previous = result.Attributes && str(result.Attributes, "runId");
      return previous && previous !== runId ? { acquired: true, superseded: previous } : { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const lock = await this.#get(keys.lock(integrationId));
      return {
        acquired: false,
        holder: str(lock ?? {}, "runId") ?? "?",
        since: str(lock ?? {}, "since") ?? "?",
      };
    }
  }

  async touchLock(integrationId: string, runId: string): Promise<void> {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keys.lock(integrationId),
        UpdateExpression: "SET touchedAt = :now",
        ConditionExpression: "runId = :me",
        ExpressionAttributeValues: { ":now": n(Date.now()), ":me": s(runId) },
      }),
    );
  }

  async releaseLock(integrationId: string, runId: string): Promise<void> {
    await this.#conditional(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: keys.lock(integrationId),
        ConditionExpression: "runId = :me",
        ExpressionAttributeValues: { ":me": s(runId) },
      }),
    );
  }

  async createRun(run: RunRecord, config: PortAppConfig): Promise<void> {
    const expiresAt = this.#expiresAt();
    // The run item last: once it exists, its config and the latest pointer do too, so a start
    // retried after a crash either finds the whole run or writes it all again.
    await this.#put({
      ...keys.config(run.runId),
      config: s(JSON.stringify(config)),
      expiresAt: n(expiresAt),
    });
    await this.#put({ ...keys.latest(run.integrationId), runId: s(run.runId), expiresAt: n(expiresAt) });
    await this.#put({
      ...keys.history(run.integrationId, run.runId),
      runId: s(run.runId),
      expiresAt: n(expiresAt),
    });
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...runToItem(run, expiresAt), progressAt: n(Date.now()) },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.#get(keys.run(runId));
    return item && itemToRun(item);
  }

  async latestRun(integrationId: string): Promise<RunRecord | undefined> {
    const latest = await this.#get(keys.latest(integrationId));
    const runId = latest && str(latest, "runId");
    return runId ? this.getRun(runId) : undefined;
  }

  async latestCompletedRun(integrationId: string): Promise<RunRecord | undefined> {
    const pointer = await this.#get(keys.completed(integrationId));
    const runId = pointer && str(pointer, "runId");
    return runId ? this.getRun(runId) : undefined;
  }

  async recentRuns(integrationId: string, limit: number): Promise<RunRecord[]> {
    const result = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :hist)",
        ExpressionAttributeValues: { ":pk": s(`INT#${integrationId}`), ":hist": s("HIST#") },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const runs = await Promise.all((result.Items ?? []).map((item) => this.getRun(str(item, "runId") ?? "")));
    return runs.filter((run): run is RunRecord => run !== undefined);
  }

  async getConfig(runId: string): Promise<PortAppConfig | undefined> {
    const item = await this.#get(keys.config(runId));
    return item && json<PortAppConfig>(item, "config");
  }

  async updateRun(
    runId: string,
    patch: Partial<Pick<RunRecord, "enumerated" | "sent" | "continuations">>,
  ): Promise<RunRecord | undefined> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { "#progressAt": "progressAt" };
    const values: Item = { ":progressAt": n(Date.now()) };
    for (const [name, value] of entries) {
      names[`#${name}`] = name;
      values[`:${name}`] = typeof value === "boolean" ? bool(value) : n(value as number);
    }
    const result = await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keys.run(runId),
        UpdateExpression: `SET ${[...entries.map(([name]) => `#${name} = :${name}`), "#progressAt = :progressAt"].join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return result.Attributes && itemToRun(result.Attributes);
  }

  async transition(runId: string, from: RunStatus, to: RunStatus, summary?: RunSummary): Promise<boolean> {
    const ended = to === "completed" || to === "failed" || to === "aborted";
    const sets = [
      "#status = :to",
      "progressAt = :progressAt",
      ...(ended ? ["endedAt = :now"] : []),
      ...(summary ? ["summary = :summary"] : []),
    ];
    const values: Item = { ":to": s(to), ":from": s(from), ":progressAt": n(Date.now()) };
    if (ended) values[":now"] = s(new Date().toISOString());
    if (summary) values[":summary"] = s(JSON.stringify(summary));
    let run: RunRecord | undefined;
    try {
      const result = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keys.run(runId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
          ReturnValues: to === "completed" ? "ALL_NEW" : "NONE",
        }),
      );
      run = result.Attributes && itemToRun(result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    if (run) await this.#pointCompleted(run);
    return true;
  }

  /**
   * Points the integration's `COMPLETED` item at this run unless it points at one that started
   * later. Written after the status: a crash in between leaves it at an older run, so the next
   * incremental run lists more changes, never fewer.
   */
  async #pointCompleted(run: RunRecord): Promise<void> {
    await this.#conditional(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...keys.completed(run.integrationId),
          runId: s(run.runId),
          startedAt: s(run.startedAt),
          expiresAt: n(this.#expiresAt()),
        },
        // ISO times of one format compare as strings.
        ConditionExpression: "attribute_not_exists(pk) OR startedAt < :startedAt",
        ExpressionAttributeValues: { ":startedAt": s(run.startedAt) },
      }),
    );
  }

  async getCheckpoints(runId: string, resource: number): Promise<Checkpoint[]> {
    const prefix = keys.checkpoint(runId, resource, "").sk.S;
    const items = await this.#query(runId, prefix);
    return items.map((item) => ({
      resource,
      partition: str(item, "partition") ?? "",
      cursor: json(item, "cursor") ?? null,
      seq: num(item, "seq"),
      done: flag(item, "done"),
      ...(item.validators ? { validators: json(item, "validators") as Checkpoint["validators"] } : {}),
    }));
  }

  async saveCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void> {
    await this.#put({
      ...keys.checkpoint(runId, checkpoint.resource, partitionKey(checkpoint.partition)),
      partition: s(checkpoint.partition),
      cursor: s(JSON.stringify(checkpoint.cursor ?? null)),
      seq: n(checkpoint.seq),
      done: bool(checkpoint.done),
      ...(checkpoint.validators ? { validators: s(JSON.stringify(checkpoint.validators)) } : {}),
      expiresAt: n(this.#expiresAt()),
    });
  }

  async initProgress(runId: string, resources: Array<{ resource: number; kind: string }>): Promise<void> {
    for (const { resource, kind } of resources) {
      await this.#put({
        ...keys.progress(runId, resource),
        kind: s(kind),
        enumerated: bool(false),
        errors: { L: [] },
        expiresAt: n(this.#expiresAt()),
      });
    }
  }

  async addProgress(
    runId: string,
    resource: number,
    delta: Partial<Pick<ResourceProgress, "pages" | "items" | "batches" | "entities" | "failures">>,
    errors: Failure[] = [],
  ): Promise<void> {
    const entries = Object.entries(delta).filter(([, value]) => value);
    if (entries.length > 0) {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keys.progress(runId, resource),
          UpdateExpression: `ADD ${entries.map(([name]) => `#${name} :${name}`).join(", ")}`,
          ExpressionAttributeNames: Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
          ExpressionAttributeValues: Object.fromEntries(
            entries.map(([name, value]) => [`:${name}`, n(value)]),
          ),
        }),
      );
    }
    if (errors.length === 0) return;
    // Only a sample of errors is kept; the condition stops the list from growing past it.
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keys.progress(runId, resource),
        UpdateExpression: "SET errors = list_append(errors, :errors)",
        ConditionExpression: "size(errors) < :max",
        ExpressionAttributeValues: {
          ":errors": { L: errors.slice(0, MAX_PROGRESS_ERRORS).map((e) => s(JSON.stringify(e))) },
          ":max": n(MAX_PROGRESS_ERRORS),
        },
      }),
    );
  }

  async markEnumerated(runId: string, resource: number): Promise<void> {
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: keys.progress(runId, resource),
        UpdateExpression: "SET enumerated = :yes",
        ExpressionAttributeValues: { ":yes": bool(true) },
      }),
    );
  }

  async getProgress(runId: string): Promise<ResourceProgress[]> {
    const items = await this.#query(runId, "PROG#");
    return items.map((item) => ({
      resource: Number((str(item, "sk") ?? "").slice("PROG#".length)),
      kind: str(item, "kind") ?? "",
      pages: num(item, "pages"),
      items: num(item, "items"),
      batches: num(item, "batches"),
      entities: num(item, "entities"),
      failures: num(item, "failures"),
      enumerated: flag(item, "enumerated"),
      errors: (item.errors?.L ?? []).map((e) => JSON.parse(e.S ?? "{}") as Failure),
    }));
  }

  async registerBatch(runId: string, batch: string, resource: number): Promise<void> {
    // The batch and the run's count of sent batches change together or not at all.
    await this.#transaction([this.#sentPut(runId, batch, resource), this.#countOnRun(runId, "sent")]);
  }

  /** A batch recorded as sent, only if it was not recorded before. */
  #sentPut(runId: string, batch: string, resource: number) {
    return {
      Put: {
        TableName: this.#table,
        Item: {
          ...keys.batch(runId, batch),
          resource: n(resource),
          state: s("sent"),
          expiresAt: n(this.#expiresAt()),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  async registerBatches(runId: string, batches: string[], resource: number): Promise<void> {
    const unique = [...new Set(batches)];
    // One transaction for a message's parts (99 puts and the run's count at most): a part
    // costs its put alone, not a put and a count. If any was registered before (a fanout
    // retried after a crash), none is written and each is registered on its own instead.
    for (let i = 0; i < unique.length; i += MAX_TRANSACTION_ITEMS - 1) {
      const chunk = unique.slice(i, i + MAX_TRANSACTION_ITEMS - 1);
      if (chunk.length === 1) {
        await this.registerBatch(runId, chunk[0] as string, resource);
        continue;
      }
      const puts = chunk.map((batch) => this.#sentPut(runId, batch, resource));
      if (await this.#transaction([...puts, this.#countOnRun(runId, "sent", chunk.length)])) continue;
      for (const batch of chunk) await this.registerBatch(runId, batch, resource);
    }
  }

  async getBatches(runId: string, batches: string[]): Promise<Map<string, BatchRecord>> {
    const found = new Map<string, BatchRecord>();
    const unique = [...new Set(batches)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
        [this.#table]: {
          Keys: unique.slice(i, i + 100).map((b) => keys.batch(runId, b)),
          ConsistentRead: true,
        },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.#db.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.#table] ?? []) {
          const batch = itemToBatch(item);
          found.set(batch.batch, batch);
        }
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  async settleBatches(runId: string, results: BatchResult[]): Promise<SettleOutcome[]> {
    const outcomes: SettleOutcome[] = new Array(results.length);
    // One transaction for many batches (each its update, one count on the run), within
    // DynamoDB's 100 items and 4 MB. A batch twice in one delivery, or one settled before
    // (the transaction then writes nothing), is settled on its own as before.
    const alone: number[] = [];
    let chunk: Array<{ index: number; update: SettleUpdate }> = [];
    let bytes = 0;
    const seen = new Set<string>();
    const commit = async () => {
      if (
        chunk.length > 1 &&
        (await this.#settleTogether(
          runId,
          chunk.map((c) => c.update),
        ))
      ) {
        const run = await this.getRun(runId);
        for (const { index } of chunk) outcomes[index] = { applied: true, run };
      } else alone.push(...chunk.map((c) => c.index));
      chunk = [];
      bytes = 0;
    };
    for (const [index, result] of results.entries()) {
      if (seen.has(result.batch)) {
        alone.push(index);
        continue;
      }
      seen.add(result.batch);
      const update = this.#settleUpdate(runId, result, "attribute_not_exists(pk) OR #state = :sent");
      const size = (update.ExpressionAttributeValues[":result"]?.B?.length ?? 0) + 1024;
      if (chunk.length >= MAX_TRANSACTION_ITEMS - 1 || bytes + size > MAX_TRANSACTION_BYTES) await commit();
      chunk.push({ index, update });
      bytes += size;
    }
    await commit();
    for (const index of alone.sort((a, b) => a - b))
      outcomes[index] = await this.settleBatch(runId, results[index] as BatchResult);
    return outcomes;
  }

  #settleTogether(runId: string, updates: Array<SettleUpdate>) {
    return this.#transaction([
      ...updates.map((update) => ({ Update: update })),
      this.#countOnRun(runId, "settled", updates.length),
    ]);
  }

  #settleUpdate(runId: string, result: BatchResult, from: string): SettleUpdate {
    const { batch, resource, state, ...figures } = result;
    return {
      TableName: this.#table,
      Key: keys.batch(runId, batch),
      UpdateExpression: "SET #state = :state, #resource = :resource, #result = :result, expiresAt = :expires",
      ConditionExpression: from,
      ExpressionAttributeNames: { "#state": "state", "#resource": "resource", "#result": "result" },
      ExpressionAttributeValues: {
        ":state": s(state),
        ":resource": n(resource),
        ":result": packed(figures),
        ":expires": n(this.#expiresAt()),
        ...(from.includes(":sent") ? { ":sent": s("sent") } : { ":failed": s("failed") }),
      },
    };
  }

  async settleBatch(runId: string, result: BatchResult): Promise<SettleOutcome> {
    const { state } = result;
    const update = (from: string) => this.#settleUpdate(runId, result, from);
    // Settled and counted on the run in one transaction: a crash between the two cannot
    // leave a batch settled but uncounted (its redelivery would be dropped as a duplicate).
    if (
      await this.#transaction([
        { Update: update("attribute_not_exists(pk) OR #state = :sent") },
        this.#countOnRun(runId, "settled"),
      ])
    )
      return { applied: true, run: await this.getRun(runId) };
    // A failed batch may still become done (a DLQ redrive after a fix), never the reverse;
    // it was counted when it failed.
    if (state === "done" && (await this.#conditional(new UpdateItemCommand(update("#state = :failed")))))
      return { applied: true, run: await this.getRun(runId) };
    return { applied: false, run: await this.getRun(runId) };
  }

  async recordUnchanged(runId: string, partitions: UnchangedPartition[]): Promise<void> {
    // A put per group, not per partition (a write unit each): a group named by its content is
    // written once however often it is recorded, and a partition in two groups (regrouped after
    // a crash) is listed once (`listBatches`). No transaction: neither sent nor settled counts.
    for (const group of groupUnchanged(partitions)) {
      await this.#conditional(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...keys.unchangedGroup(runId, group.resource, group.digest),
            resource: n(group.resource),
            state: s("done"),
            partitions: { B: group.packed },
            expiresAt: n(this.#expiresAt()),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    }
  }

  async unchangedPartitions(runId: string, resource: number): Promise<string[]> {
    const items = await this.#query(runId, unchangedGroupPrefix(resource));
    return [...new Set(items.flatMap((item) => itemToUnchanged(item).map((p) => p.partition)))];
  }

  async countUnsettled(runId: string): Promise<number> {
    let count = 0;
    let start: Item | undefined;
    do {
      const result = await this.#db.send(
        new QueryCommand({
          ...this.#prefixQuery(runId, "BAT#"),
          FilterExpression: "#state = :sent",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":pk": s(`RUN#${runId}`), ":prefix": s("BAT#"), ":sent": s("sent") },
          Select: "COUNT",
          ExclusiveStartKey: start,
        }),
      );
      count += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async *listBatches(runId: string): AsyncIterable<BatchRecord> {
    const unchanged = new Set<string>();
    let start: Item | undefined;
    do {
      const result = await this.#db.send(
        new QueryCommand({ ...this.#prefixQuery(runId, "BAT#"), ExclusiveStartKey: start }),
      );
      for (const item of result.Items ?? []) {
        for (const batch of itemToBatches(item)) {
          // A partition in two groups (recorded again after a crash) is listed once.
          if (item.partitions && unchanged.has(batch.batch)) continue;
          if (item.partitions) unchanged.add(batch.batch);
          yield batch;
        }
      }
      start = result.LastEvaluatedKey;
    } while (start);
  }

  /** Adds one to a counter of the run, and marks the run as making progress (for the watchdog). */
  #countOnRun(runId: string, counter: "sent" | "settled", count = 1) {
    return {
      Update: {
        TableName: this.#table,
        Key: keys.run(runId),
        UpdateExpression: "ADD #counter :one SET progressAt = :now",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#counter": counter },
        ExpressionAttributeValues: { ":one": n(count), ":now": n(Date.now()) },
      },
    };
  }

  /** One DynamoDB transaction; false when a condition did not hold (nothing was written). */
  async #transaction(
    items: NonNullable<ConstructorParameters<typeof TransactWriteItemsCommand>[0]["TransactItems"]>,
  ): Promise<boolean> {
    try {
      await this.#db.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) {
        // The run itself is gone (expired): say so rather than pretend a duplicate.
        if (reasons.at(-1)?.Code === "ConditionalCheckFailed" && reasons[0]?.Code === "None")
          throw new Error(`the run is not in the run table (expired?)`);
        return false;
      }
      throw error;
    }
  }

  #prefixQuery(runId: string, prefix: string): QueryCommandInput {
    return {
      TableName: this.#table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": s(`RUN#${runId}`), ":prefix": s(prefix) },
      ConsistentRead: true,
    };
  }

  async #query(runId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const result = await this.#db.send(
        new QueryCommand({ ...this.#prefixQuery(runId, prefix), ExclusiveStartKey: start }),
      );
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async #get(key: Item): Promise<Item | undefined> {
    const result = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  async #put(item: Item): Promise<void> {
    await this.#db.send(new PutItemCommand({ TableName: this.#table, Item: item }));
  }

  /** Sends a conditional write; false when its condition did not hold. */
  async #conditional(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    try {
      await this.#db.send(command as UpdateItemCommand);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  #expiresAt(): number {
    return Math.floor(Date.now() / 1000) + this.#retentionSeconds;
  }
}
