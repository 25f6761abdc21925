/**
 * The two processes Tide replaces, on the same source, mapping and Port as the pipeline:
 * (a) naive: fetch everything, then upsert one entity per request;
 * (b) Ocean's loop: per page, map it and bulk-upsert it (awaited) before fetching the next.
 * Both stop after the first `repos` repositories (and their pull requests), so that a
 * serial loop can be measured in seconds and extrapolated: each of its steps is per page
 * or per entity, so its time is linear in the data.
 */
import { HttpClient } from "../lib/http/index.ts";
import type { ResourceMapper } from "../lib/mapping/index.ts";
import { TokenSource } from "../lib/port/auth.ts";
import type { Entity } from "../lib/port/index.ts";
import { Limiter } from "../lib/port/limiter.ts";
import { toUpsertBody } from "../lib/port/validate.ts";
import { getKind } from "../lib/source/index.ts";
import type { Kind } from "../lib/source/types.ts";
import type { BenchWorld } from "./e2e-world.ts";

export interface BaselineResult {
  wallMs: number;
  entities: number;
  /** Port requests the client sent (token included). */
  requests: number;
  /** Where the time went, for the row's name. */
  phases: Record<string, number>;
}

/** The pages of one resource, limited to the first `repos` repositories, in the order a serial loop reads them. */
async function* pagesOf(
  kind: Kind,
  selector: Record<string, unknown>,
  repos: number,
): AsyncGenerator<unknown[]> {
  if (kind.partitions) {
    let partitions = 0;
    for await (const partition of kind.partitions({ selector })) {
      if (partitions++ >= repos) return;
      for await (const page of kind.pages({ selector, partition })) yield page.items;
    }
    return;
  }
  let items = 0;
  for await (const page of kind.pages({ selector })) {
    yield page.items.slice(0, repos - items);
    items += page.items.length;
    if (items >= repos) return;
  }
}

/** Each resource of the config, with its kind, the selector's source options and its compiled mapping. */
async function resources(world: BenchWorld) {
  return Promise.all(
    world.config.resources.map(async (spec, index) => {
      const kind = getKind(world.source, spec.kind);
      const { query: _, ...selector } = spec.selector ?? {};
      return { kind, selector, mapper: await world.compile(world.config, index) };
    }),
  );
}

function byBlueprint(mapped: Awaited<ReturnType<ResourceMapper["map"]>>): Map<string, Entity[]> {
  const groups = new Map<string, Entity[]>();
  for (const { entity } of mapped.entities) {
    const list = groups.get(entity.blueprint) ?? [];
    list.push(entity);
    groups.set(entity.blueprint, list);
  }
  return groups;
}

/**
 * (b) Ocean's resync: resources one after another; within one, pages in order (one
 * repository's pull requests after another's, as nested async generators go); each page is
 * mapped and bulk-upserted, and only then is the next page fetched.
 */
export async function oceanLoop(world: BenchWorld, repos: number): Promise<BaselineResult> {
  const options = {
    merge: world.config.enableMergeEntity,
    createMissingRelatedEntities: world.config.createMissingRelatedEntities,
  };
  const before = world.client.stats.total;
  const phases = { fetchMs: 0, mapMs: 0, upsertMs: 0 };
  let entities = 0;
  const started = performance.now();
  for (const { kind, selector, mapper } of await resources(world)) {
    let t = performance.now();
    for await (const items of pagesOf(kind, selector, repos)) {
      phases.fetchMs += performance.now() - t;
      t = performance.now();
      const mapped = await mapper.map(items);
      phases.mapMs += performance.now() - t;
      t = performance.now();
      for (const [blueprint, list] of byBlueprint(mapped)) {
        const results = await world.client.upsertEntities(blueprint, list, options);
        entities += results.filter((r) => r.ok).length;
      }
      phases.upsertMs += performance.now() - t;
      t = performance.now();
    }
  }
  const wallMs = performance.now() - started;
  return { wallMs, entities, requests: world.client.stats.total - before, phases };
}

/**
 * (a) The naive sync: fetch every page (serially), map everything, then one
 * `POST /v1/blueprints/{bp}/entities?upsert=true` per entity, `concurrency` at a time
 * (the same bound as the pipeline's Port client: the difference measured is batching and overlap).
 */
export async function naive(world: BenchWorld, repos: number, concurrency: number): Promise<BaselineResult> {
  const { client, config } = world;
  // The Port client's HTTP layer (retries, keep-alive pool) and token source, minus its bulk upserts.
  const http = new HttpClient({ baseUrl: client.baseUrl, userAgent: client.userAgent, timeoutMs: 30_000 });
  let requests = 0;
  const credentials = world.port.credentials;
  const tokens = new TokenSource(http, { ...credentials, onRequest: () => requests++ });
  const limiter = new Limiter(concurrency);
  const query = {
    upsert: true,
    merge: config.enableMergeEntity,
    create_missing_related_entities: config.createMissingRelatedEntities,
  };

  const started = performance.now();
  const all = await resources(world);
  const raw = all.map(() => [] as unknown[]);
  for (const [i, { kind, selector }] of all.entries()) {
    for await (const items of pagesOf(kind, selector, repos)) raw[i]?.push(...items);
  }
  const fetched = performance.now();
  const entities: Entity[] = [];
  for (const [i, { mapper }] of all.entries()) {
    for (const { entity } of (await mapper.map(raw[i] ?? [])).entities) entities.push(entity);
  }
  const mapped = performance.now();
  let ok = 0;
  await Promise.all(
    entities.map((entity) =>
      limiter.run(async () => {
        const token = await tokens.token();
        requests++;
        const res = await http.request({
          method: "POST",
          path: `/v1/blueprints/${encodeURIComponent(entity.blueprint)}/entities`,
          query,
          json: JSON.stringify(toUpsertBody(entity)),
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.status === 200 || res.status === 201) ok++;
      }),
    ),
  );
  const ended = performance.now();
  return {
    wallMs: ended - started,
    entities: ok,
    requests,
    phases: { fetchMs: fetched - started, mapMs: mapped - fetched, upsertMs: ended - mapped },
  };
}
