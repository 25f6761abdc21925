import type { Integration } from "./blueprint.ts";
import type { PortTransport } from "./transport.ts";
import { toApiError } from "./transport.ts";

/** Where Port posts when the integration's mapping changes or a user presses Resync. */
export type ChangelogDestination = { type: "WEBHOOK"; url: string } | { type: "KAFKA" };

/** `POST /v1/integration` (undocumented; Ocean's registration). */
export interface NewIntegration {
  installationId: string;
  installationAppType: string;
  version: string;
  changelogDestination?: ChangelogDestination;
  /** The port-app-config, as JSON data. */
  config?: Record<string, unknown>;
}

/** `PATCH /v1/integration/{id}`: the fields given replace Port's. */
export interface IntegrationPatch {
  installationAppType?: string;
  version?: string;
  changelogDestination?: ChangelogDestination;
}

/** One line of the integration's log in Port (Ocean's shape). */
export interface IntegrationLogLine {
  level: "DEBUG" | "INFO" | "WARNING" | "ERROR";
  message: string;
  timestamp: string;
  extra?: Record<string, unknown>;
}

const integrationPath = (id: string) => `/v1/integration/${encodeURIComponent(id)}`;

function expect(transport: PortTransport, reply: Awaited<ReturnType<PortTransport["send"]>>, ok: number[]) {
  if (!ok.includes(reply.status)) throw toApiError(reply, transport.redact);
  return reply.body as Record<string, unknown> | undefined;
}

/** Registers an installation; Port answers `{integration}`. */
export async function createIntegration(t: PortTransport, body: NewIntegration): Promise<Integration> {
  const reply = await t.limit(() => t.send({ method: "POST", path: "/v1/integration", body }));
  return (expect(t, reply, [200, 201])?.integration ?? {}) as Integration;
}

/** Changes version, type or changelog destination; never the mapping. */
export async function patchIntegration(t: PortTransport, id: string, patch: IntegrationPatch): Promise<void> {
  const reply = await t.limit(() => t.send({ method: "PATCH", path: integrationPath(id), body: patch }));
  expect(t, reply, [200, 201]);
}

/** Replaces the integration's mapping (`PATCH /v1/integration/{id}/config`). */
export async function putIntegrationConfig(
  t: PortTransport,
  id: string,
  config: Record<string, unknown>,
): Promise<void> {
  const path = `${integrationPath(id)}/config`;
  const reply = await t.limit(() => t.send({ method: "PATCH", path, body: { config } }));
  expect(t, reply, [200, 201]);
}

/** Example raw items of a kind, for Port's mapping editor (undocumented; Ocean). */
export async function postKindExamples(
  t: PortTransport,
  id: string,
  kind: string,
  examples: unknown[],
): Promise<void> {
  const path = `${integrationPath(id)}/kinds/${encodeURIComponent(kind)}/examples`;
  const reply = await t.limit(() => t.send({ method: "POST", path, body: { examples } }));
  expect(t, reply, [200, 201, 204]);
}
