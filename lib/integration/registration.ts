import type { Integration } from "../port/blueprint.ts";
import type { ChangelogDestination, IntegrationPatch, NewIntegration } from "../port/integration.ts";

/** What registration needs from the Port client (a `PortClient` fits). */
export interface IntegrationApi {
  readonly integrationId: string;
  getIntegration(): Promise<Integration | undefined>;
  createIntegration(body: NewIntegration): Promise<Integration>;
  patchIntegration(patch: IntegrationPatch): Promise<void>;
  putIntegrationConfig(config: Record<string, unknown>): Promise<void>;
}

export interface Installation {
  /** The source's name: Port's `installationAppType` (e.g. `github`). */
  type: string;
  /** Tide's version. */
  version: string;
  /** Where Port posts on a mapping edit or the Resync button (the stack's Function URL). */
  changelogUrl?: string;
}

export type RegistrationAction = "created" | "updated" | "unchanged";

/**
 * Makes Port's integration match this installation: creates it when absent (with `mapping`
 * as its config), otherwise updates type, version and changelog destination when they differ.
 * The mapping of an existing integration is Port's: it is never overwritten here.
 *
 * @example
 * const { action } = await registerIntegration(port, existing, { type: "github", version: "0.1.0" }, raw);
 */
export async function registerIntegration(
  port: IntegrationApi,
  existing: Integration | undefined,
  installation: Installation,
  mapping: Record<string, unknown> | undefined,
): Promise<{ action: RegistrationAction; integration: Integration }> {
  const changelogDestination: ChangelogDestination | undefined = installation.changelogUrl
    ? { type: "WEBHOOK", url: installation.changelogUrl }
    : undefined;
  if (!existing) {
    const integration = await port.createIntegration({
      installationId: port.integrationId,
      installationAppType: installation.type,
      version: installation.version,
      ...(changelogDestination ? { changelogDestination } : {}),
      ...(mapping ? { config: mapping } : {}),
    });
    return { action: "created", integration: { ...integration, config: integration.config ?? mapping } };
  }
  const patch: IntegrationPatch = {};
  if (existing.installationAppType !== installation.type) patch.installationAppType = installation.type;
  if (existing.version !== installation.version) patch.version = installation.version;
  if (changelogDestination && !sameDestination(existing.changelogDestination, changelogDestination)) {
    patch.changelogDestination = changelogDestination;
  }
  if (Object.keys(patch).length === 0) return { action: "unchanged", integration: existing };
  await port.patchIntegration(patch);
  return { action: "updated", integration: { ...existing, ...patch } };
}

function sameDestination(current: unknown, wanted: ChangelogDestination): boolean {
  const c = (current ?? {}) as Record<string, unknown>;
  return c.type === wanted.type && (wanted.type !== "WEBHOOK" || c.url === wanted.url);
}
