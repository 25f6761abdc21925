import type { Logger } from "../pipeline/logger.ts";
import type { Integration, ResyncState } from "../port/blueprint.ts";
import { PortMappingError } from "./errors.ts";
import { type ExamplesSink, KindExamples } from "./examples.ts";
import { type LogSink, PortLog } from "./logs.ts";
import { chooseMapping, hasPortMapping, type MappingChoice, type ResolvedMapping } from "./mapping.ts";
import {
  type Installation,
  type IntegrationApi,
  type RegistrationAction,
  registerIntegration,
} from "./registration.ts";
import { resyncStateOf } from "./resync-state.ts";

/** Everything a run needs from Port's integration API: a `PortClient` fits. */
export interface PortIntegrationApi extends IntegrationApi, ExamplesSink, LogSink {
  patchResyncState(integrationId: string, state: ResyncState): Promise<boolean>;
}

export interface OpenRunOptions {
  port: PortIntegrationApi;
  installation: Installation;
  /** Where else the mapping may come from (Port's own is read here). */
  mapping: Omit<MappingChoice, "integration" | "integrationId">;
  /** The schedule's interval, for the resync state's `nextResync`. */
  intervalMinutes?: number;
  log: Logger;
  /** A plan (`--plan`): read Port's mapping, write nothing (no registration, logs or examples). */
  readOnly?: boolean;
}

/** A run's integration in Port, opened before anything is written. */
export interface IntegrationRun {
  mapping: ResolvedMapping;
  integration: Integration;
  registration: RegistrationAction;
  /** The source's default was stored in Port as the integration's mapping. */
  storedDefault: boolean;
  /** The pipeline's logger: every line also goes to the integration's log in Port. */
  log: Logger;
  examples: KindExamples;
  /** Sends the last examples and log lines (bounded wait; never throws). */
  close(): Promise<void>;
}

/**
 * Opens a run's integration: reads it from Port, chooses the mapping (see `chooseMapping`),
 * registers the installation (create, or update version and changelog destination; a mapping
 * in Port is never overwritten), and stores the source's default mapping in Port when Port had
 * none. An invalid mapping in Port is reported to Port (resync state `failed`, a log line)
 * and thrown as {@link PortMappingError} before anything is written.
 *
 * @example
 * const run = await openIntegrationRun({ port, installation: { type: "github", version }, mapping: { localFile: "port-app-config.yml" }, log });
 * try { await resyncLocal({ config: run.mapping.config, log: run.log, examples: run.examples, ... }); }
 * finally { await run.close(); }
 */
export async function openIntegrationRun(options: OpenRunOptions): Promise<IntegrationRun> {
  const { port, log } = options;
  const existing = await port.getIntegration();
  const ingestUrl = logIngestUrl(existing);
  let mapping: ResolvedMapping;
  try {
    mapping = await chooseMapping({
      ...options.mapping,
      integration: existing,
      integrationId: port.integrationId,
    });
  } catch (error) {
    if (error instanceof PortMappingError && !options.readOnly)
      await reportInvalidMapping(options, error, ingestUrl);
    throw error;
  }
  if (options.readOnly) {
    return {
      mapping,
      integration: existing ?? { identifier: port.integrationId },
      registration: "unchanged",
      storedDefault: false,
      log,
      examples: new KindExamples({ postKindExamples: async () => {} }, log),
      close: async () => {},
    };
  }
  const registered = await registerIntegration(port, existing, options.installation, mapping.raw);
  let storedDefault = false;
  if (existing && !hasPortMapping(existing) && mapping.origin === "default") {
    await port.putIntegrationConfig(mapping.raw);
    storedDefault = true;
  }
  const url = logIngestUrl(registered.integration) ?? ingestUrl;
  const shipped = url ? new PortLog(port, url, log) : undefined;
  const runLog = shipped?.logger ?? log;
  const examples = new KindExamples(port, runLog);
  runLog.info(`mapping: ${mapping.description}`, { origin: mapping.origin, registration: registered.action });
  return {
    mapping,
    integration: registered.integration,
    registration: registered.action,
    storedDefault,
    log: runLog,
    examples,
    async close() {
      await examples.flush();
      await shipped?.close();
    },
  };
}

async function reportInvalidMapping(options: OpenRunOptions, error: PortMappingError, ingestUrl?: string) {
  const { port, log } = options;
  const now = new Date().toISOString();
  try {
    await port.patchResyncState(
      port.integrationId,
      resyncStateOf({ status: "failed", start: now, end: now }, options.intervalMinutes),
    );
  } catch (e) {
    log.warn("could not report the failed resync to Port", { error: (e as Error).message });
  }
  log.error(error.message);
  if (ingestUrl) {
    const shipped = new PortLog(port, ingestUrl, log);
    shipped.line("ERROR", "resync failed: the mapping in Port is invalid; nothing was written", {
      problems: error.problems,
    });
    await shipped.close();
  }
}

function logIngestUrl(integration: Integration | undefined): string | undefined {
  const attributes = integration?.logAttributes as { ingestUrl?: unknown } | undefined;
  return typeof attributes?.ingestUrl === "string" ? attributes.ingestUrl : undefined;
}
