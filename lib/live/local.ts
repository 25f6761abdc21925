import type { PortAppConfig } from "../mapping/index.ts";
import type { Catalog, ContentHashes } from "../pipeline/contracts/index.ts";
import { type Logger, silentLogger } from "../pipeline/logger.ts";
import type { CompileResource } from "../pipeline/mappers.ts";
import type { ApplyOutcome } from "./apply.ts";
import { EventMapping } from "./event-mapping.ts";
import type { GitHubObjects } from "./github-api.ts";
import { LocalEventQueue, type LocalEventQueueOptions } from "./local-queue.ts";
import { type LiveServer, type LiveServerOptions, startLiveServer } from "./server.ts";
import { type LiveState, MemoryLiveState } from "./state.ts";
import { processEvents } from "./worker.ts";

export interface LocalLiveOptions {
  org: string;
  secret: string;
  config: PortAppConfig;
  compile: CompileResource;
  catalog: Catalog;
  github: GitHubObjects;
  port?: number;
  host?: string;
  state?: LiveState;
  hashes?: { store: ContentHashes; integrationId: string };
  queue?: LocalEventQueueOptions;
  changelog?: LiveServerOptions["changelog"];
  /** Called after each event settled (applied, duplicate or ignored), e.g. to save a file catalog. */
  onApplied?: (outcome: ApplyOutcome) => void | Promise<void>;
  log?: Logger;
}

export interface LocalLive {
  server: LiveServer;
  queue: LocalEventQueue;
  state: LiveState;
  counts: { applied: number; duplicates: number; ignored: number; deadLettered: number };
  close(): Promise<void>;
}

/**
 * Live events in this process (`tide serve --local`): the webhook server, an in-process queue
 * grouped by entity, and one worker applying events with the resync's mapping.
 *
 * @example
 * const live = await startLocalLive({ org: "acme", secret, config, compile: compileResource, catalog, github });
 * console.error(`POST ${live.server.url}/webhooks/github`);
 */
export async function startLocalLive(options: LocalLiveOptions): Promise<LocalLive> {
  const log = options.log ?? silentLogger;
  const state = options.state ?? new MemoryLiveState();
  const queue = new LocalEventQueue(options.queue);
  const counts = { applied: 0, duplicates: 0, ignored: 0, deadLettered: 0 };
  const deps = {
    org: options.org,
    mapping: new EventMapping(options.config, options.compile),
    catalog: options.catalog,
    github: options.github,
    state,
    log,
    hashes: options.hashes,
    deadLetters: queue.deadLetters,
    maxReceiveCount: options.queue?.maxReceiveCount ?? 5,
  };
  queue.consume(async (messages) => {
    const report = await processEvents(deps, messages);
    counts.applied += report.applied;
    counts.duplicates += report.duplicates;
    counts.ignored += report.ignored;
    counts.deadLettered += report.deadLettered;
    for (const outcome of report.outcomes) await options.onApplied?.(outcome);
    return report;
  });
  const server = await startLiveServer({
    secret: options.secret,
    queue,
    log,
    port: options.port,
    host: options.host,
    changelog: options.changelog,
    health: () => ({ queued: queue.depth, ...counts }),
  });
  return {
    server,
    queue,
    state,
    counts,
    async close() {
      await server.close();
      await queue.idle();
    },
  };
}
