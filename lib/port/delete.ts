import { NetworkError } from "../http/index.ts";
import { validateBlueprintIdentifier, validateEntityIdentifier } from "./identifiers.ts";
import {
  blueprintPath,
  errorFields,
  isTransientStatus,
  type PortReply,
  type PortTransport,
} from "./transport.ts";

export interface DeleteOptions {
  /** Also delete entities whose required relations point at these; otherwise such an entity is not deleted. */
  deleteDependents: boolean;
  signal?: AbortSignal;
  waitBudgetMs?: number;
}

export interface DeleteFailure {
  identifier: string;
  status?: number;
  code: string;
  message: string;
  traceId?: string;
  retryable: boolean;
}

export interface DeleteResult {
  /** Gone from Port: deleted now, or already absent (404). */
  deleted: string[];
  /** The subset of `deleted` that was already absent. */
  alreadyGone: string[];
  failed: DeleteFailure[];
}

/** Port's bulk delete takes at most 100 identifiers. */
export const MAX_DELETE_PER_REQUEST = 100;

/**
 * Deletes entities of one blueprint: see `PortClient.deleteEntities`. Bulk requests of ≤ 100;
 * when one fails as a whole because an entity is missing (404) or has dependents (4xx), its
 * identifiers are deleted one by one so one blocked entity does not hold back the others.
 */
export async function deleteEntities(
  transport: PortTransport,
  blueprint: string,
  identifiers: readonly string[],
  options: DeleteOptions,
): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], alreadyGone: [], failed: [] };
  const blueprintProblem = validateBlueprintIdentifier(blueprint);
  const valid: string[] = [];
  for (const id of new Set(identifiers)) {
    const problem =
      blueprintProblem ?? (typeof id === "string" ? validateEntityIdentifier(id) : "must be a string");
    if (problem) {
      result.failed.push({
        identifier: String(id),
        code: "invalid_identifier",
        message: problem,
        retryable: false,
      });
    } else valid.push(id);
  }
  const base = blueprintPath(blueprint);
  const query = { delete_dependents: options.deleteDependents };
  let fatal: unknown;

  const fail = (ids: string[], reply: PortReply | undefined, network?: NetworkError) => {
    for (const identifier of ids) {
      if (network) {
        result.failed.push({ identifier, code: "network_error", message: network.message, retryable: true });
        continue;
      }
      const { code, message } = errorFields(reply as PortReply);
      result.failed.push({
        identifier,
        status: reply?.status,
        code,
        message: transport.redact(message),
        traceId: reply?.traceId,
        retryable: isTransientStatus(reply?.status),
      });
    }
  };

  const send = async (ids: string[], single: boolean): Promise<PortReply | undefined> => {
    try {
      return await transport.limit(async () => {
        if (fatal !== undefined) return undefined;
        return transport.send({
          method: single ? "DELETE" : "POST",
          path: single
            ? `${base}/entities/${encodeURIComponent(ids[0] ?? "")}`
            : `${base}/bulk/entities/delete`,
          query,
          body: single ? undefined : { entities: ids },
          signal: options.signal,
          waitBudgetMs: options.waitBudgetMs,
        });
      });
    } catch (error) {
      if (error instanceof NetworkError) fail(ids, undefined, error);
      else fatal ??= error;
      return undefined;
    }
  };

  const deleteOne = async (id: string) => {
    const reply = await send([id], true);
    if (!reply) return;
    if (reply.status === 200 || reply.status === 204) result.deleted.push(id);
    else if (reply.status === 404) {
      result.deleted.push(id);
      result.alreadyGone.push(id);
    } else fail([id], reply);
  };

  const deleteChunk = async (ids: string[]) => {
    const reply = await send(ids, false);
    if (!reply) return;
    if (reply.status === 200) {
      // Only what Port lists was deleted (deletions can be partial, as Ocean counts them).
      // Each one left out is deleted on its own, which says whether it is gone or why not.
      const listed = (reply.body as { deletedEntities?: unknown } | undefined)?.deletedEntities;
      const deleted = new Set(Array.isArray(listed) ? listed.filter((id) => typeof id === "string") : []);
      result.deleted.push(...ids.filter((id) => deleted.has(id)));
      await Promise.all(ids.filter((id) => !deleted.has(id)).map(deleteOne));
      return;
    }
    // The bulk route is all-or-nothing: find out entity by entity which one is missing or blocked.
    const blocked = (reply.status === 409 || reply.status === 422) && !options.deleteDependents;
    const perEntity = reply.status === 404 || blocked;
    if (perEntity && ids.length > 1) await Promise.all(ids.map(deleteOne));
    else if (reply.status === 404) {
      result.deleted.push(...ids);
      result.alreadyGone.push(...ids);
    } else fail(ids, reply);
  };

  const chunks: string[][] = [];
  for (let i = 0; i < valid.length; i += MAX_DELETE_PER_REQUEST)
    chunks.push(valid.slice(i, i + MAX_DELETE_PER_REQUEST));
  await Promise.all(chunks.map(deleteChunk));
  if (fatal !== undefined) throw fatal;
  return result;
}
