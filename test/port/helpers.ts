import type { Entity } from "../../lib/port/index.ts";
import { PortClient, type PortClientOptions } from "../../lib/port/index.ts";
import { type PortFake, type PortFakeOptions, startPortFake } from "../fakes/port/index.ts";

/** A blueprint with a few typed properties, as most tests use. */
export const SERVICE = {
  identifier: "service",
  title: "Service",
  schema: {
    properties: {
      language: { type: "string" },
      stars: { type: "number" },
      archived: { type: "boolean" },
      url: { type: "string", format: "url" },
    },
    required: [],
  },
};

/** `owner` ← `service.owner` (required) and `service.team` (optional), for relation and dependents tests. */
export const OWNED = [
  { identifier: "owner", title: "Owner", schema: { properties: {} } },
  {
    identifier: "component",
    title: "Component",
    schema: { properties: { language: { type: "string" } } },
    relations: {
      owner: { target: "owner", many: false, required: true, title: "Owner" },
      watchers: { target: "owner", many: true, required: false, title: "Watchers" },
    },
  },
];

export async function portWith(options: PortFakeOptions = {}): Promise<PortFake> {
  return startPortFake({ blueprints: [SERVICE], ...options });
}

/** A client for the fake with fast retries, so fault tests stay quick. */
export function clientFor(port: PortFake, options: Partial<PortClientOptions> = {}): PortClient {
  return new PortClient({
    ...port.credentials,
    baseUrl: port.url,
    integrationId: "tide-test",
    integrationType: "github",
    version: "0.0.0-test",
    retry: { baseDelayMs: 2, maxDelayMs: 20, maxAttempts: 10 },
    timeoutMs: 5_000,
    ...options,
  });
}

/** Entities of `service` with plain string identifiers `svc-00000`, `svc-00001`, ... */
export function services(count: number, start = 0): Array<Entity & { identifier: string }> {
  return Array.from({ length: count }, (_, i) => ({
    identifier: `svc-${String(start + i).padStart(5, "0")}`,
    blueprint: "service",
    title: `Service ${start + i}`,
    properties: { language: i % 2 ? "go" : "ts", stars: i, archived: false },
  }));
}
