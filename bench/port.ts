/**
 * `npm run bench -- port`: 20,000 entities bulk-upserted into the local Port at 50 ms latency
 * per request. Holds the client to Port requests per entity (≤ 0.051: 20 per request plus the
 * token) and to throughput against the floor `ceil(E/20) × latency / concurrency`.
 */

import type { Entity } from "../lib/port/index.ts";
import { PortClient } from "../lib/port/index.ts";
import { startPortFakeInWorker } from "../test/fakes/port/worker.ts";
import type { BenchRow } from "./row.ts";

const ENTITIES = 20_000;
const LATENCY_MS = 50;
const CONCURRENCY = 8;
const PER_REQUEST = 20;

export async function run(): Promise<BenchRow[]> {
  // Port runs in a worker thread: its CPU is not the client's, as in production.
  const port = await startPortFakeInWorker({
    blueprints: [
      {
        identifier: "service",
        title: "Service",
        schema: {
          properties: {
            language: { type: "string" },
            stars: { type: "number" },
            archived: { type: "boolean" },
            url: { type: "string", format: "url" },
            topics: { type: "array", items: { type: "string" } },
          },
        },
      },
    ],
    faults: { latencyMs: LATENCY_MS },
  });
  try {
    const client = new PortClient({
      ...port.credentials,
      baseUrl: port.url,
      integrationId: "bench",
      integrationType: "github",
      concurrency: CONCURRENCY,
    });
    const entities: Entity[] = Array.from({ length: ENTITIES }, (_, i) => ({
      identifier: `acme/service-${i}`,
      blueprint: "service",
      title: `Service ${i}`,
      properties: {
        language: ["TypeScript", "Go", "Python"][i % 3],
        stars: i,
        archived: i % 10 === 0,
        url: `https://github.com/acme/service-${i}`,
        topics: ["platform", `team-${i % 17}`],
      },
    }));

    const started = performance.now();
    const results = await client.upsertEntities("service", entities, {
      merge: true,
      createMissingRelatedEntities: false,
    });
    const wallMs = performance.now() - started;

    const seen = await port.inspect(["service"]);
    const landed = seen.entities.service ?? 0;
    const allOk = results.every((r) => r.ok) && landed === ENTITIES;
    const requests = client.stats.total;
    const perEntity = requests / ENTITIES;
    const floorMs = (Math.ceil(ENTITIES / PER_REQUEST) * LATENCY_MS) / CONCURRENCY;
    const ofFloor = floorMs / wallMs;
    const name = `${ENTITIES.toLocaleString("en")} entities upserted at ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}`;
    return [
      {
        group: "port",
        name,
        value: `${(wallMs / 1000).toFixed(2)} s (${Math.round(ENTITIES / (wallMs / 1000)).toLocaleString("en")} entities/s)`,
        target: `≤ ${(floorMs / 0.8 / 1000).toFixed(2)} s (floor ${(floorMs / 1000).toFixed(2)} s)`,
        pass: allOk && wallMs <= floorMs / 0.8,
      },
      {
        group: "port",
        name: "Port requests per entity",
        value: `${perEntity.toFixed(4)} (${requests} requests, ${seen.total} seen by Port)`,
        target: "≤ 0.051",
        pass: perEntity <= 0.051,
      },
      {
        group: "port",
        name: "throughput vs floor ceil(E/20) × latency / concurrency",
        value: `${(ofFloor * 100).toFixed(1)}% of floor speed`,
        target: "≥ 80%",
        pass: ofFloor >= 0.8,
      },
      {
        group: "port",
        name: "entities landed in Port",
        value: `${landed.toLocaleString("en")} / ${ENTITIES.toLocaleString("en")}`,
        target: "all",
        pass: allOk,
      },
    ];
  } finally {
    await port.close();
  }
}
