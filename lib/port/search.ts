import type { PortEntity, SearchQuery } from "./entity.ts";
import { PortValidationError } from "./errors.ts";
import { validateBlueprintIdentifier } from "./identifiers.ts";
import { blueprintPath, type PortTransport, toApiError } from "./transport.ts";

export interface SearchOptions {
  query: SearchQuery;
  /**
   * Only these fields of each entity: meta-properties with a `$` (`["$identifier"]` for a cheap
   * reconciliation scan), properties and relations by their ids (a bare `identifier` names a
   * property called identifier, not the entity's identifier).
   */
  include?: string[];
  /** Entities per page (Port's `limit`): 1 to 1000, default 1000. The iterator still reads every page. */
  limit?: number;
  signal?: AbortSignal;
  waitBudgetMs?: number;
}

export const MAX_SEARCH_PAGE = 1000;

/**
 * Every entity of a blueprint matching a query, one at a time, fetching page after page with
 * Port's `from`/`next` cursor as the caller consumes them. A failed page throws `PortApiError`.
 */
export async function* searchEntities(
  transport: PortTransport,
  blueprint: string,
  options: SearchOptions,
): AsyncGenerator<PortEntity, void, undefined> {
  const problem = validateBlueprintIdentifier(blueprint);
  if (problem) throw new PortValidationError("blueprint", `blueprint "${blueprint}" ${problem}`);
  const limit = options.limit ?? MAX_SEARCH_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_PAGE) {
    throw new PortValidationError(
      "limit",
      `limit must be an integer from 1 to ${MAX_SEARCH_PAGE}, not ${limit}`,
    );
  }
  let from: string | undefined;
  do {
    const body: Record<string, unknown> = { query: options.query, limit };
    if (options.include) body.include = options.include;
    if (from !== undefined) body.from = from;
    const reply = await transport.limit(() =>
      transport.send({
        method: "POST",
        path: `${blueprintPath(blueprint)}/entities/search`,
        body,
        signal: options.signal,
        waitBudgetMs: options.waitBudgetMs,
      }),
    );
    if (reply.status !== 200) throw toApiError(reply, transport.redact);
    const page = (reply.body ?? {}) as { entities?: unknown; next?: unknown };
    if (!Array.isArray(page.entities)) {
      throw toApiError(
        { ...reply, body: { error: "invalid_response", message: "search reply has no entities" } },
        transport.redact,
      );
    }
    yield* page.entities as PortEntity[];
    const next = typeof page.next === "string" && page.next !== "" ? page.next : undefined;
    // A cursor that does not move would loop forever.
    if (next !== undefined && next === from) {
      throw toApiError(
        { ...reply, body: { error: "invalid_response", message: "search returned the same cursor twice" } },
        transport.redact,
      );
    }
    from = next;
  } while (from !== undefined);
}
