/**
 * A small world for bad-input cases: a source of "things" whose raw items each test writes
 * itself, the Port emulator with a `thing` blueprint, and whole resyncs through the local
 * runner (the same fanout, ingest and reconcile code as in Lambda).
 */

import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import { compileResource, loadConfig, type PortAppConfig } from "../../lib/mapping/index.ts";
import { DEFAULT_FANOUT_OPTIONS, runFanout } from "../../lib/pipeline/fanout.ts";
import type { IngestDeps } from "../../lib/pipeline/ingest.ts";
import type { Logger } from "../../lib/pipeline/logger.ts";
import { RunMappers } from "../../lib/pipeline/mappers.ts";
import type { IngestMessage } from "../../lib/pipeline/message.ts";
import type { KindSummary, RunRecord } from "../../lib/pipeline/run.ts";
import { PortClient } from "../../lib/port/client.ts";
import type { Source } from "../../lib/source/types.ts";
import { type PortFake, startPortFake } from "../fakes/port/index.ts";

export const INTEGRATION = "bad-input";
export const BLUEPRINT = "thing";

export const THING_BLUEPRINT = {
  identifier: BLUEPRINT,
  title: "Thing",
  schema: {
    properties: {
      size: { type: "number", title: "Size" },
      owner: { type: "string", title: "Owner" },
      tags: { type: "array", items: { type: "string" }, title: "Tags" },
    },
    required: [],
  },
  relations: { parent: { title: "Parent", target: BLUEPRINT, required: false, many: false } },
};

export const THING_CONFIG = `
resources:
  - kind: thing
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"thing"'
          properties:
            size: .size
            owner: .owner
            tags: .tags
          relations:
            parent: .parent
`;

export type Raw = Record<string, unknown> | unknown;

/** `count` well-formed things: `ok-1`, `ok-2`, … titled `Thing 1 v1`, … */
export function things(count: number, prefix = "ok", version = 1): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    name: `Thing ${i + 1} v${version}`,
    size: i + 1,
    owner: "team-a",
    tags: ["x"],
  }));
}

/** What a logger was told, to check a message names what went wrong. */
export interface CapturedLog extends Logger {
  lines: Array<{ level: string; message: string; extra: Array<Record<string, unknown>> }>;
  text(): string;
}

export function capturingLogger(): CapturedLog {
  const lines: CapturedLog["lines"] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Array<Record<string, unknown>>) =>
      lines.push({ level, message, extra });
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.extra)}`).join("\n"),
  };
}

export interface ThingWorld {
  port: PortFake;
  client: PortClient;
  config: PortAppConfig;
  /** The raw items the source yields, page by page; tests replace them between runs. */
  pages: Raw[][];
  /** A whole local resync. */
  resync(options?: {
    log?: Logger;
    maxMessageBytes?: number;
  }): Promise<{ run: RunRecord; deadLetters: string[] }>;
  /** Identifiers Port holds for `thing`, sorted. */
  ids(): string[];
  /**
   * A first good run of `ok-1..3` and `stale`; then the source drops `stale` and retitles
   * the others `v2`, and `bad` items join them on the page. Returns the second run.
   */
  resyncWith(bad: Raw[], options?: { log?: Logger; maxMessageBytes?: number }): Promise<RunRecord>;
  close(): Promise<void>;
}

export async function startThingWorld(options: { configText?: string } = {}): Promise<ThingWorld> {
  const port = await startPortFake({
    blueprints: [structuredClone(THING_BLUEPRINT)],
    integrations: [{ identifier: INTEGRATION, config: {} }],
  });
  const client = new PortClient({
    ...port.credentials,
    baseUrl: port.url,
    integrationId: INTEGRATION,
    integrationType: "things",
    timeoutMs: 2_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 },
  });
  const config = loadConfig(options.configText ?? THING_CONFIG, "things.yml");
  const world: ThingWorld = {
    port,
    client,
    config,
    pages: [],
    async resync(resync = {}) {
      const source: Source = {
        name: "things",
        kinds: {
          thing: {
            name: "thing",
            async *pages() {
              const pages = world.pages;
              for (const [i, items] of pages.entries())
                yield { items: [...items], cursor: i === pages.length - 1 ? null : i + 1 };
            },
          },
        },
      };
      return resyncLocal({
        integrationId: INTEGRATION,
        config,
        source,
        catalog: new PortCatalog(client, INTEGRATION),
        compile: compileResource,
        retryDelayMs: 1,
        maxReceiveCount: 3,
        log: resync.log,
        ...(resync.maxMessageBytes ? { fanout: { maxMessageBytes: resync.maxMessageBytes } } : {}),
      });
    },
    ids: () => port.entities(BLUEPRINT).map((e) => e.identifier),
    async resyncWith(bad, options = {}) {
      world.pages = [[...things(3), { id: "stale", name: "Stale", size: 0, owner: "team-b", tags: [] }]];
      const first = await world.resync();
      if (first.run.status !== "completed") throw new Error(`the baseline run ${first.run.status}`);
      world.pages = [[...things(3, "ok", 2), ...bad]];
      return (await world.resync(options)).run;
    },
    close: () => port.close(),
  };
  return world;
}

/** The summary of the run's only kind. */
export function thingSummary(run: RunRecord): KindSummary {
  const kind = run.summary?.kinds.find((k) => k.kind === "thing");
  if (!kind) throw new Error(`run ${run.runId} has no summary for kind thing: ${JSON.stringify(run)}`);
  return kind;
}

/** Items of a kind that the summary does not place as written, unchanged, filtered or failed. */
export function unaccounted(kind: KindSummary & { skipped?: number }): number {
  return kind.items - (kind.entities + kind.unchanged + kind.filtered + kind.failures + (kind.skipped ?? 0));
}

/**
 * A run of `world`'s pages enumerated into messages (one a page) and left for the test to
 * ingest as it likes: the pipeline's own fanout and ingest, without a queue in between.
 */
export async function enumerateRun(
  world: ThingWorld,
): Promise<{ deps: IngestDeps; messages: IngestMessage[]; runId: string; log: CapturedLog }> {
  const store = new MemoryRunStore();
  const log = capturingLogger();
  const catalog = new PortCatalog(world.client, INTEGRATION);
  const messages: IngestMessage[] = [];
  const pages = world.pages;
  const source: Source = {
    name: "things",
    kinds: {
      thing: {
        name: "thing",
        async *pages() {
          for (const [i, items] of pages.entries())
            yield { items, cursor: i === pages.length - 1 ? null : i + 1 };
        },
      },
    },
  };
  const result = await runFanout(
    {
      integrationId: INTEGRATION,
      config: world.config,
      source,
      queue: { send: async (batch) => void messages.push(...batch) },
      invoker: { continueFanout: async () => {} },
      store,
      catalog,
      log,
      // No linger: each page goes in a message of its own, as the tests' deliveries expect.
      options: { ...DEFAULT_FANOUT_OPTIONS, marginMs: 0, lingerMs: 0 },
      remainingMs: () => 15 * 60_000,
    },
    { type: "start", trigger: "manual" },
  );
  if (result.outcome !== "enumerated") throw new Error(`fanout: ${result.outcome}`);
  const deps = { store, catalog, log, mappers: new RunMappers(store, compileResource), maxReceiveCount: 3 };
  return { deps, messages, runId: result.run.runId, log };
}
