import type { Catalog, ContentHashes, UpsertOptions } from "../pipeline/contracts/index.ts";
import type { Logger } from "../pipeline/logger.ts";
import { resourceFiles } from "../pipeline/resource-kind.ts";
import { contentHash } from "../pipeline/unchanged.ts";
import type { Entity } from "../port/entity.ts";
import { attachFiles } from "../source/included-files.ts";
import { EventApplyError } from "./errors.ts";
import type { LiveEvent } from "./event.ts";
import type { EntityRef, EventMapping } from "./event-mapping.ts";
import type { GitHubObjects } from "./github-api.ts";
import { type EventRoute, routesOf, type Subject } from "./routes.ts";
import { isStale, type LiveState } from "./state.ts";

type Item = Record<string, unknown>;

export interface ApplyDeps {
  /** The GitHub organization: events of other accounts are ignored. */
  org: string;
  mapping: EventMapping;
  catalog: Catalog;
  github: GitHubObjects;
  state: LiveState;
  log: Logger;
  /** With content hashes (and the integration they belong to), resyncs stay in step with what live events wrote. */
  hashes?: { store: ContentHashes; integrationId: string };
  /** Default: {@link routesOf}. */
  routes?: (event: string) => readonly EventRoute[];
}

export interface ApplyOutcome {
  deliveryId: string;
  /** `applied`: done (maybe nothing to do); `duplicate`: this delivery was applied before; `ignored`: nothing maps it. */
  status: "applied" | "duplicate" | "ignored";
  /** `blueprint/identifier` of each entity written or deleted. */
  upserted: string[];
  deleted: string[];
  /** Objects left alone, with why (older than what was applied, gone from GitHub, …). */
  skipped: Array<{ key: string; reason: string }>;
  reason?: string;
}

/**
 * Applies one webhook event to the catalog with the same mapping as a resync: for each resource
 * whose kind the event updates, the object (fetched again from GitHub) is upserted, or deleted
 * when it is gone or no longer matches the selector; after a rename, the old identifier is
 * deleted. Once per delivery, and never backwards: an object's event older than the last one
 * applied is skipped. Throws {@link EventApplyError} (transient or not) when it cannot.
 *
 * @example
 * const outcome = await applyEvent(deps, parseLiveEvent(message.body));
 * log.info("live event", { ...outcome });
 */
export async function applyEvent(deps: ApplyDeps, event: LiveEvent): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = {
    deliveryId: event.deliveryId,
    status: "applied",
    upserted: [],
    deleted: [],
    skipped: [],
  };
  if (await deps.state.wasApplied(event.deliveryId)) return { ...outcome, status: "duplicate" };
  const account = (event.payload.organization as { login?: unknown } | undefined)?.login;
  if (typeof account === "string" && account.toLowerCase() !== deps.org.toLowerCase()) {
    return { ...outcome, status: "ignored", reason: `the event is about ${account}, not ${deps.org}` };
  }
  const routes = (deps.routes ?? routesOf)(event.event).filter(
    (r) => deps.mapping.resourcesOf(r.kind).length > 0,
  );
  if (routes.length === 0) {
    return {
      ...outcome,
      status: "ignored",
      reason: `no resource of the config maps a kind ${event.event} updates`,
    };
  }
  for (const route of routes) {
    let subjects: Subject[];
    try {
      subjects = route.subjects(event.payload, deps.org);
    } catch (error) {
      throw new EventApplyError(`${event.event} ${event.deliveryId}: ${(error as Error).message}`, false);
    }
    for (const subject of subjects) await applySubject(deps, route, subject, outcome);
  }
  await deps.state.markApplied(event.deliveryId);
  return outcome;
}

async function applySubject(deps: ApplyDeps, route: EventRoute, subject: Subject, outcome: ApplyOutcome) {
  const last = await deps.state.lastVersion(subject.key);
  if (isStale(subject.version, last)) {
    const at = (ms: number | undefined) => (ms === undefined ? "?" : new Date(ms).toISOString());
    outcome.skipped.push({
      key: subject.key,
      reason: `older than the change applied last (updated_at ${at(subject.version)} < ${at(last?.version)}${last?.gone ? ", deleted" : ""})`,
    });
    return;
  }
  let current: Item | undefined;
  if (!subject.gone) {
    current = subject.fetch ? await subject.fetch(deps.github) : subject.item;
    if (!current) {
      // Its own `deleted` event removes it (Ocean does the same); a rename's redirect was followed.
      outcome.skipped.push({ key: subject.key, reason: "GitHub no longer has it" });
      return;
    }
  }
  const { mapping } = deps;
  for (const index of mapping.resourcesOf(route.kind)) {
    const kept: EntityRef[] = [];
    if (!current) {
      await remove(deps, await mapping.identify(index, subject.item, subject.key), outcome);
    } else {
      const mismatch = route.mismatch?.(
        current,
        mapping.config.resources[index]?.selector ?? { query: "true" },
      );
      const verdict = mismatch
        ? undefined
        : await mapping.map(index, await withFiles(deps, index, current), subject.key);
      if (verdict?.kind === "entities") {
        await upsert(deps, verdict.entities, outcome);
        for (const e of verdict.entities) {
          if (typeof e.identifier === "string")
            kept.push({ blueprint: e.blueprint, identifier: e.identifier });
        }
      } else if (verdict?.kind === "skipped") {
        outcome.skipped.push({ key: subject.key, reason: verdict.reason });
      } else {
        deps.log.info("live event: the item no longer matches the selector; deleting its entity", {
          key: subject.key,
          reason: mismatch ?? "selector.query is false",
        });
        await remove(deps, await mapping.identify(index, current, subject.key), outcome);
      }
    }
    if (subject.previous) {
      const before = await mapping.identify(index, subject.previous, subject.key);
      const same = (a: EntityRef) =>
        kept.some((b) => b.blueprint === a.blueprint && b.identifier === a.identifier);
      await remove(
        deps,
        before.filter((ref) => !same(ref)),
        outcome,
      );
    }
  }
  const versions = [subject.version, timeOf(current?.updated_at)].filter((v) => v !== undefined);
  if (versions.length > 0)
    await deps.state.recordVersion(subject.key, { version: Math.max(...versions), gone: !current });
}

function timeOf(value: unknown): number | undefined {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

async function upsert(deps: ApplyDeps, entities: Entity[], outcome: ApplyOutcome): Promise<void> {
  const { config } = deps.mapping;
  const options: UpsertOptions = {
    merge: config.enableMergeEntity,
    createMissingRelatedEntities: config.createMissingRelatedEntities,
  };
  for (const [blueprint, group] of groupBy(entities, (e) => e.blueprint)) {
    const results = await deps.catalog.upsert(blueprint, group, options);
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) {
      const status = failed.status ? ` HTTP ${failed.status}` : "";
      const trace = failed.traceId ? ` trace ${failed.traceId}` : "";
      throw new EventApplyError(
        `${blueprint}/${failed.identifier}: ${failed.message} (${deps.catalog.description}${status}${trace})`,
        failed.retryable,
      );
    }
    const ids = group.flatMap((e) => (typeof e.identifier === "string" ? [e.identifier] : []));
    outcome.upserted.push(...ids.map((id) => `${blueprint}/${id}`));
    if (deps.hashes) {
      const writtenAt = Date.now();
      await deps.hashes.store.put(
        deps.hashes.integrationId,
        blueprint,
        group.flatMap((e) =>
          typeof e.identifier === "string"
            ? [{ identifier: e.identifier, hash: contentHash(e, options), writtenAt }]
            : [],
        ),
      );
    }
  }
}

async function remove(deps: ApplyDeps, refs: EntityRef[], outcome: ApplyOutcome): Promise<void> {
  const deleteDependents = deps.mapping.config.deleteDependentEntities;
  for (const [blueprint, group] of groupBy(refs, (r) => r.blueprint)) {
    const identifiers = [...new Set(group.map((r) => r.identifier))];
    const result = await deps.catalog.delete(blueprint, identifiers, { deleteDependents });
    const failed = result.failed[0];
    if (failed) {
      const status = failed.status ? ` HTTP ${failed.status}` : "";
      const trace = failed.traceId ? ` trace ${failed.traceId}` : "";
      const transient = failed.status === undefined || failed.status >= 500 || failed.status === 429;
      throw new EventApplyError(
        `deleting ${blueprint}/${failed.identifier}: ${failed.message} (${deps.catalog.description}${status}${trace})`,
        transient,
      );
    }
    // Port answers 404 for an entity already gone: deleted either way.
    outcome.deleted.push(...identifiers.map((id) => `${blueprint}/${id}`));
    await deps.hashes?.store.delete(deps.hashes.integrationId, blueprint, identifiers);
  }
}

function groupBy<T>(values: T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return groups;
}

/** The item with the files its resource reads (`file://`, `includedFiles`), as a resync lists it. */
async function withFiles(deps: ApplyDeps, index: number, item: Item): Promise<Item> {
  const spec = deps.mapping.config.resources[index];
  const paths = spec ? resourceFiles(spec) : [];
  if (paths.length === 0) return item;
  const readFile = deps.github.readFile?.bind(deps.github);
  if (!readFile) throw new EventApplyError("the GitHub client cannot read repository files", false);
  return (await attachFiles(item, paths, readFile)) as Item;
}
