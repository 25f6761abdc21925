import { NetworkError } from "../http/index.ts";
import { packGreedy } from "../pack.ts";
import type { Entity } from "./entity.ts";
import { validateBlueprintIdentifier } from "./identifiers.ts";
import {
  blueprintPath,
  errorFields,
  isTransientStatus,
  type PortReply,
  type PortTransport,
} from "./transport.ts";
import { entityLabel, entityProblem, toUpsertBody } from "./validate.ts";

export interface UpsertOptions {
  /** `true`: update only the fields sent; `false`: replace the whole entity. */
  merge: boolean;
  /** Create related entities that do not exist yet (as empty entities) instead of failing with 404. */
  createMissingRelatedEntities: boolean;
  signal?: AbortSignal;
  /** Longest wait for a rate limit before giving up with `RetryLaterError` (which is thrown). */
  waitBudgetMs?: number;
}

/** One entity written. `identifier` is Port's, so a search-query identifier comes back resolved. */
export interface UpsertSuccess {
  ok: true;
  identifier: string;
  /** Whether Port created it (false: it existed and was updated), when Port said. */
  created?: boolean;
}

/** One entity not written, and why. */
export interface UpsertFailure {
  ok: false;
  /** The entity's identifier, or its identifier query as JSON. */
  identifier: string;
  /** Port's status for this entity; undefined when it was never sent or no response came. */
  status?: number;
  /** Port's error code (`invalid_request`, `not_found`, ...) or the client's (`invalid_entity`, `network_error`). */
  code: string;
  message: string;
  traceId?: string;
  /** Transient (5xx, 429, network, after the client's own retries): sending it again later may work. */
  retryable: boolean;
  /** For entities failed before sending: the field at fault. */
  field?: string;
}

export type UpsertResult = UpsertSuccess | UpsertFailure;

export interface UpsertLimits {
  /** Entities per bulk request (Port: 20). */
  maxEntities: number;
  /** Request body bytes (Port: 1 MiB). */
  maxBytes: number;
}

export const PORT_UPSERT_LIMITS: UpsertLimits = { maxEntities: 20, maxBytes: 1024 * 1024 };

interface Item {
  index: number;
  label: string;
  /** The identifier was a search query: only then does Port's reply say which entity it is. */
  query: boolean;
  /** The entity's upsert body, serialized once: measured for packing, then joined into requests. */
  json: string;
  bytes: number;
}

/** `{"entities":[` + `]}` */
const ENVELOPE_BYTES = 15;

/**
 * Bulk-upserts entities of one blueprint: see `PortClient.upsertEntities`. Returns one result
 * per input entity, in input order; throws only when nothing can succeed (auth) or the caller
 * must come back later (`RetryLaterError`) or aborted.
 */
export async function upsertEntities(
  transport: PortTransport,
  blueprint: string,
  entities: readonly Entity[],
  options: UpsertOptions,
  limits: UpsertLimits = PORT_UPSERT_LIMITS,
): Promise<UpsertResult[]> {
  const results: UpsertResult[] = new Array(entities.length);
  const blueprintProblem = validateBlueprintIdentifier(blueprint);
  const items: Item[] = [];
  for (const [index, entity] of entities.entries()) {
    const label = entityLabel(entity);
    const problem = blueprintProblem
      ? { field: "blueprint", message: blueprintProblem }
      : entityProblem(blueprint, entity);
    if (problem) {
      const message = `entity "${label}" (#${index}) of blueprint "${blueprint}", ${problem.field}: ${problem.message}`;
      results[index] = {
        ok: false,
        identifier: label,
        code: "invalid_entity",
        message,
        retryable: false,
        field: problem.field,
      };
      continue;
    }
    const json = JSON.stringify(toUpsertBody(entity));
    const bytes = Buffer.byteLength(json);
    if (bytes + ENVELOPE_BYTES > limits.maxBytes) {
      const message = `entity "${label}" (#${index}) is ${bytes} bytes; Port accepts at most ${limits.maxBytes} bytes a request`;
      results[index] = {
        ok: false,
        identifier: label,
        status: 413,
        code: "payload_too_large",
        message,
        retryable: false,
      };
      continue;
    }
    items.push({ index, label, json, bytes, query: typeof entity.identifier !== "string" });
  }

  const query = {
    upsert: true,
    merge: options.merge,
    create_missing_related_entities: options.createMissingRelatedEntities,
  };
  const base = blueprintPath(blueprint);
  let fatal: unknown;

  const failAll = (batch: Item[], failure: Omit<UpsertFailure, "ok" | "identifier">) => {
    for (const item of batch) results[item.index] = { ok: false, identifier: item.label, ...failure };
  };

  /** Sends one request; undefined when it could not be (network failure recorded, or a fatal error). */
  const send = async (batch: Item[], single: boolean): Promise<PortReply | undefined> => {
    try {
      return await transport.limit(async () => {
        if (fatal !== undefined) return undefined;
        return transport.send({
          method: "POST",
          path: single ? `${base}/entities` : `${base}/entities/bulk`,
          query,
          json: single ? batch[0]?.json : `{"entities":[${batch.map((i) => i.json).join(",")}]}`,
          signal: options.signal,
          waitBudgetMs: options.waitBudgetMs,
        });
      });
    } catch (error) {
      if (error instanceof NetworkError) {
        failAll(batch, { code: "network_error", message: error.message, retryable: true });
      } else fatal ??= error;
      return undefined;
    }
  };

  const sendBatch = async (batch: Item[], single: boolean): Promise<void> => {
    const reply = await send(batch, single);
    if (!reply) return;
    if (reply.status === 413 && batch.length > 1) {
      // Port measured the body larger than we did: halve until it fits, down to single upserts.
      const half = Math.ceil(batch.length / 2);
      const halves = [batch.slice(0, half), batch.slice(half)];
      await Promise.all(halves.map((h) => sendBatch(h, h.length === 1)));
      return;
    }
    if (single && (reply.status === 200 || reply.status === 201)) {
      const item = batch[0] as Item;
      const entity = (reply.body as { entity?: { identifier?: unknown } } | undefined)?.entity;
      const identifier =
        item.query && typeof entity?.identifier === "string" ? entity.identifier : item.label;
      results[item.index] = { ok: true, identifier };
      return;
    }
    if (!single && (reply.status === 200 || reply.status === 207)) return mapBulkReply(batch, reply);
    const { code, message } = errorFields(reply);
    const status = reply.status;
    failAll(batch, {
      status,
      code,
      message: transport.redact(message),
      traceId: reply.traceId,
      retryable: isTransientStatus(status),
    });
  };

  const mapBulkReply = (batch: Item[], reply: PortReply) => {
    const body = (reply.body ?? {}) as { entities?: unknown; errors?: unknown };
    const at = (index: unknown) => (Number.isInteger(index) ? batch[index as number] : undefined);
    for (const written of Array.isArray(body.entities) ? body.entities : []) {
      const { index, identifier, created } = written as {
        index?: unknown;
        identifier?: unknown;
        created?: unknown;
      };
      const item = at(index);
      if (!item) continue;
      results[item.index] = {
        ok: true,
        identifier: item.query && typeof identifier === "string" ? identifier : item.label,
        ...(typeof created === "boolean" ? { created } : {}),
      };
    }
    for (const failed of Array.isArray(body.errors) ? body.errors : []) {
      const { index, statusCode, error, message } = failed as Record<string, unknown>;
      const item = at(index);
      if (!item) continue;
      const status = typeof statusCode === "number" ? statusCode : reply.status;
      results[item.index] = {
        ok: false,
        identifier: item.label,
        status,
        code: typeof error === "string" ? error : "unknown_error",
        message: transport.redact(
          typeof message === "string" ? message : "Port reported an error without a message",
        ),
        traceId: reply.traceId,
        retryable: isTransientStatus(status),
      };
    }
    for (const item of batch) {
      results[item.index] ??= {
        ok: false,
        identifier: item.label,
        status: reply.status,
        code: "missing_result",
        message: "Port's bulk response did not mention this entity",
        traceId: reply.traceId,
        retryable: true,
      };
    }
  };

  await Promise.all(
    packGreedy(items, {
      maxCount: limits.maxEntities,
      maxBytes: limits.maxBytes,
      bytesOf: (item) => item.bytes,
      baseBytes: ENVELOPE_BYTES,
      separatorBytes: 1,
    }).map((batch) => sendBatch(batch, false)),
  );
  if (fatal !== undefined) throw fatal;
  return results;
}
