import { expect, it } from "vitest";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { compileResource, loadConfig } from "../../lib/mapping/index.ts";
import { mapMessages } from "../../lib/pipeline/map-messages.ts";
import { RunMappers } from "../../lib/pipeline/mappers.ts";
import type { IngestBatch } from "../../lib/pipeline/message.ts";
import { newRun } from "./run-store-contract.ts";

const config = loadConfig(`resources:
  - kind: repository
    selector:
      query: .archived == false
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"githubRepository"'
          properties:
            lower: .language | ascii_downcase
  - kind: team
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .slug
          blueprint: '"githubTeam"'
`);

const repo = (name: string | null, archived = false, language: string | null = "Go") => ({
  name,
  archived,
  language,
});
const message = (resource: number, batch: string, items: unknown[]): IngestBatch => ({
  runId: "r",
  resource,
  kind: resource === 0 ? "repository" : "team",
  batch,
  items,
});

it("maps several messages in one call per resource, with the same result as one call per message", async () => {
  const store = new MemoryRunStore();
  await store.createRun(newRun("r"), config);
  const mappers = new RunMappers(store, compileResource);
  const messages = [
    message(0, "a", [repo("api"), repo("old", true), repo("web", false, null)]),
    message(1, "t", [{ slug: "core" }]),
    message(0, "b", [repo(null), repo("cli"), repo("docs", true)]),
  ];
  const together = await mapMessages(mappers, "r", config, messages);
  const alone = await Promise.all(
    messages.map(async (m) => (await mappers.mapper("r", m.resource)).map(m.items)),
  );
  expect(together).toEqual(alone);
  expect(together[0]).toMatchObject({ filtered: 1, failures: [{ itemIndex: 2, field: "properties.lower" }] });
  expect(together[2]).toMatchObject({
    filtered: 1,
    skipped: [{ itemIndex: 0 }],
    entities: [{ itemIndex: 1 }],
  });
});
