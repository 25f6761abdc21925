import { gunzipSync, gzipSync } from "node:zlib";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { BatchRecord, RunRecord, UnchangedPartition } from "../pipeline/run.ts";
import { unchangedBatch } from "../pipeline/unchanged-batch.ts";

/** Keys of the run table's items (partition `pk`, sort `sk`). */
export const keys = {
  lock: (integrationId: string) => ({ pk: { S: `INT#${integrationId}` }, sk: { S: "LOCK" } }),
  latest: (integrationId: string) => ({ pk: { S: `INT#${integrationId}` }, sk: { S: "LATEST" } }),
  /** The integration's completed run that started last: where the next incremental run starts from. */
  completed: (integrationId: string) => ({ pk: { S: `INT#${integrationId}` }, sk: { S: "COMPLETED" } }),
  /** One per run of the integration, sorted by run id (which starts with its start time): `tide runs`. */
  history: (integrationId: string, runId: string) => ({
    pk: { S: `INT#${integrationId}` },
    sk: { S: `HIST#${runId}` },
  }),
  run: (runId: string) => ({ pk: { S: `RUN#${runId}` }, sk: { S: "RUN" } }),
  config: (runId: string) => ({ pk: { S: `RUN#${runId}` }, sk: { S: "CONFIG" } }),
  progress: (runId: string, resource: number) => ({
    pk: { S: `RUN#${runId}` },
    sk: { S: `PROG#${pad(resource)}` },
  }),
  checkpoint: (runId: string, resource: number, partitionKey: string) => ({
    pk: { S: `RUN#${runId}` },
    sk: { S: `CUR#${pad(resource)}#${partitionKey}` },
  }),
  batch: (runId: string, batch: string) => ({ pk: { S: `RUN#${runId}` }, sk: { S: `BAT#${batch}` } }),
  /**
   * A group of a resource's unchanged partitions, named by a digest of its content: among the
   * batches (one query lists them all), never the key of one (a batch id has no `unchanged:`).
   */
  unchangedGroup: (runId: string, resource: number, digest: string) => ({
    pk: { S: `RUN#${runId}` },
    sk: { S: `${unchangedGroupPrefix(resource)}${digest}` },
  }),
};

/** The sort key prefix of a resource's groups of unchanged partitions. */
export const unchangedGroupPrefix = (resource: number) => `BAT#${resource}:unchanged:`;

const pad = (n: number) => String(n).padStart(4, "0");

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });
export const bool = (value: boolean): AttributeValue => ({ BOOL: value });

export function str(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && "S" in value ? value.S : undefined;
}

export function num(item: Item, name: string): number {
  const value = item[name];
  return value && "N" in value ? Number(value.N) : 0;
}

export function flag(item: Item, name: string): boolean {
  const value = item[name];
  return value !== undefined && "BOOL" in value ? value.BOOL === true : false;
}

export function json<T>(item: Item, name: string): T | undefined {
  const text = str(item, name);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Compressed JSON: a batch's identifiers compress well and must stay under 400 KB an item. */
export const packed = (value: unknown): AttributeValue => ({ B: gzipSync(JSON.stringify(value)) });

export function unpacked<T>(item: Item, name: string): T | undefined {
  const value = item[name];
  return value && "B" in value && value.B
    ? (JSON.parse(gunzipSync(value.B).toString("utf8")) as T)
    : undefined;
}

export function runToItem(run: RunRecord, expiresAt: number): Item {
  const item: Item = {
    ...keys.run(run.runId),
    runId: s(run.runId),
    integrationId: s(run.integrationId),
    trigger: s(run.trigger),
    status: s(run.status),
    startedAt: s(run.startedAt),
    resources: s(JSON.stringify(run.resources)),
    full: bool(run.full),
    enumerated: bool(run.enumerated),
    sent: n(run.sent),
    settled: n(run.settled),
    continuations: n(run.continuations),
    expiresAt: n(expiresAt),
  };
  if (run.endedAt) item.endedAt = s(run.endedAt);
  if (run.fullRewrite) item.fullRewrite = bool(true);
  if (run.incremental) item.incremental = s(JSON.stringify(run.incremental));
  if (run.fullBecause) item.fullBecause = s(run.fullBecause);
  if (run.summary) item.summary = s(JSON.stringify(run.summary));
  return item;
}

export function itemToRun(item: Item): RunRecord {
  const run: RunRecord = {
    runId: str(item, "runId") ?? "",
    integrationId: str(item, "integrationId") ?? "",
    trigger: (str(item, "trigger") ?? "manual") as RunRecord["trigger"],
    status: (str(item, "status") ?? "running") as RunRecord["status"],
    startedAt: str(item, "startedAt") ?? "",
    resources: json<number[]>(item, "resources") ?? [],
    full: flag(item, "full"),
    enumerated: flag(item, "enumerated"),
    sent: num(item, "sent"),
    settled: num(item, "settled"),
    continuations: num(item, "continuations"),
  };
  const endedAt = str(item, "endedAt");
  if (endedAt) run.endedAt = endedAt;
  if (item.progressAt) run.progressAt = num(item, "progressAt");
  if (flag(item, "fullRewrite")) run.fullRewrite = true;
  const incremental = json<RunRecord["incremental"]>(item, "incremental");
  if (incremental) run.incremental = incremental;
  const fullBecause = str(item, "fullBecause");
  if (fullBecause) run.fullBecause = fullBecause;
  const summary = json<RunRecord["summary"]>(item, "summary");
  if (summary) run.summary = summary;
  return run;
}

export function itemToBatch(item: Item): BatchRecord {
  const result = unpacked<Omit<BatchRecord, "batch" | "resource" | "state">>(item, "result");
  return {
    batch: (str(item, "sk") ?? "").slice("BAT#".length),
    resource: num(item, "resource"),
    state: (str(item, "state") ?? "sent") as BatchRecord["state"],
    items: result?.items ?? 0,
    entities: result?.entities ?? 0,
    unchanged: result?.unchanged ?? 0,
    filtered: result?.filtered ?? 0,
    failures: result?.failures ?? [],
    failureCount: result?.failureCount ?? 0,
    ...(result?.causes ? { causes: result.causes } : {}),
    seen: result?.seen ?? {},
    ...(result?.deferred ? { deferred: result.deferred } : {}),
  };
}

/** The unchanged partitions a group item holds (none for a batch item). */
export function itemToUnchanged(item: Item): UnchangedPartition[] {
  const resource = num(item, "resource");
  return (unpacked<Array<Omit<UnchangedPartition, "resource">>>(item, "partitions") ?? []).map((p) => ({
    ...p,
    resource,
  }));
}

/** A batch item as its batch, or a group of unchanged partitions as a batch each. */
export function itemToBatches(item: Item): BatchRecord[] {
  return item.partitions ? itemToUnchanged(item).map(unchangedBatch) : [itemToBatch(item)];
}
