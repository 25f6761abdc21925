import { receiveChangelog } from "../integration/changelog.ts";
import { startLockedResync } from "../integration/resync-trigger.ts";
import type { IntegrationRun } from "../integration/session.ts";
import { LiveGitHub } from "../live/github-api.ts";
import { startLocalLive } from "../live/local.ts";
import { MemoryContentHashes } from "../local/memory-content-hashes.ts";
import { MemoryRunStore } from "../local/memory-run-store.ts";
import { resyncLocal } from "../local/resync.ts";
import { compileResource } from "../mapping/index.ts";
import type { Logger } from "../pipeline/logger.ts";
import { resolveSettings } from "../source/index.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { runMapping } from "./port-mapping.ts";
import { chooseCatalog, createSource, integrationIdOf, sourceDefinition } from "./setup-env.ts";

export interface ServeFlags {
  port: number;
  config?: string;
  catalog: string;
}

/** `tide serve --local`: the live-events server until SIGINT or SIGTERM. */
export async function serveHere(io: CliIO, flags: ServeFlags): Promise<void> {
  const secret = io.env.GITHUB_WEBHOOK_SECRET?.trim();
  if (!secret) {
    throw new CliError(
      "GITHUB_WEBHOOK_SECRET must be set: the secret of the GitHub webhook, to check each delivery's signature",
      EXIT.usage,
    );
  }
  const definition = sourceDefinition("github");
  const source = createSource(definition, io); // checks the GitHub settings, for resyncs
  const settings = resolveSettings(definition, io.env);
  const integrationId = integrationIdOf(io, "github");
  const target = chooseCatalog(io, { integrationId, type: "github", dir: flags.catalog });
  const log = stderrLogger(io);
  // Live events use the mapping of the moment the server starts; each resync reads it again.
  const { config, integration: atStart } = await runMapping(io, {
    flag: flags.config,
    definition,
    target,
    log,
  });
  await atStart?.close();
  const hashes = new MemoryContentHashes();
  const store = new MemoryRunStore();

  /** One resync started by Port, with the mapping Port holds now (an edit there triggers it). */
  const resyncInBackground = async (runId: string) => {
    let integration: IntegrationRun | undefined;
    try {
      const chosen = await runMapping(io, { flag: flags.config, definition, target, log });
      integration = chosen.integration;
      const { run } = await resyncLocal({
        integrationId,
        config: chosen.config,
        source,
        catalog: target.catalog,
        compile: compileResource,
        store,
        hashes,
        trigger: "port",
        runId,
        log: integration?.log,
        examples: integration?.examples,
      });
      await target.flush();
      io.stderr.write(`tide serve: resync ${run.runId} ${run.status}\n`);
    } catch (error) {
      await store.releaseLock(integrationId, runId);
      io.stderr.write(`tide serve: resync failed: ${(error as Error).message}\n`);
    } finally {
      await integration?.close();
    }
  };

  const live = await startLocalLive({
    org: String(settings.GITHUB_ORG),
    secret,
    config,
    compile: compileResource,
    catalog: target.catalog,
    github: LiveGitHub.fromSettings(settings),
    port: flags.port,
    hashes: { store: hashes, integrationId },
    log,
    onApplied: async (outcome) => {
      const changes = [
        ...outcome.upserted.map((e) => `upserted ${e}`),
        ...outcome.deleted.map((e) => `deleted ${e}`),
        ...outcome.skipped.map((s) => `skipped ${s.key} (${s.reason})`),
      ];
      const what = changes.length > 0 ? changes.join(", ") : (outcome.reason ?? "nothing to change");
      io.stderr.write(`tide serve: ${outcome.deliveryId} ${outcome.status}: ${what}\n`);
      await target.flush();
    },
    // Port's changelog webhook: the same endpoint and rules as the stack's Function URL.
    changelog: (request) =>
      receiveChangelog(
        {
          pathSecret: io.env.TIDE_RESYNC_PATH_SECRET?.trim() || undefined,
          signingSecret: io.env.PORT_CLIENT_SECRET?.trim() || undefined,
          log,
          start: () =>
            startLockedResync({
              integrationId,
              store,
              startFanout: async (event) => {
                void resyncInBackground(event.runId as string);
              },
            }),
        },
        request,
      ),
  });
  io.stderr.write(
    `tide serve: listening on ${live.server.url} (POST /webhooks/github, POST /resync, GET /health); writing to ${target.catalog.description}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  io.stderr.write("tide serve: stopping after the queued events\n");
  await live.close();
  await target.flush();
  await source.close?.();
}

function stderrLogger(io: CliIO): Logger {
  const line =
    (level: string) =>
    (message: string, ...extra: Array<Record<string, unknown>>) => {
      const detail = extra.length > 0 ? ` ${JSON.stringify(Object.assign({}, ...extra))}` : "";
      io.stderr.write(`tide serve: ${level}: ${message}${detail}\n`);
    };
  return { debug() {}, info() {}, warn: line("warning"), error: line("error") };
}
