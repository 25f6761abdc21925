import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/mapping/index.ts";
import { FAST_PATH_ENV, fastPathEnabled } from "../../lib/mapping/optimiser/switch.ts";
import { ingest } from "../../lib/pipeline/ingest.ts";
import { enumerateRun, startThingWorld, type ThingWorld, things } from "../bad-input/harness.ts";
import { mapperFor } from "./helpers.ts";

const MAPPINGS = `
identifier: .name
title: .full_name
blueprint: '"githubRepository"'
properties:
  owner: .owner.login
  stars: .stargazers_count
  lower: .language | ascii_downcase
  topics: '[.topics[]? | select(startswith("t"))]'
relations:
  org: .owner.login
`;

const items = [
  {
    name: "api",
    full_name: "acme/api",
    owner: { login: "acme" },
    stargazers_count: 3,
    language: "Go",
    topics: ["tide", "x"],
  },
  {
    name: "web",
    full_name: "acme/web",
    owner: { login: "acme" },
    stargazers_count: 0,
    language: null,
    topics: [],
  },
  { name: "", full_name: "acme/empty", owner: null, language: "C" },
  {
    name: "cli",
    owner: { login: 7 },
    stargazers_count: 1e3,
    language: "Rust",
    topics: "oops",
    extra: { big: "x".repeat(100) },
  },
];

afterEach(() => {
  delete process.env[FAST_PATH_ENV];
});

describe(`${FAST_PATH_ENV}`, () => {
  it("off maps every item to the same entities, skips and failures as the fast path", async () => {
    const fast = await (await mapperFor(MAPPINGS)).map(items);
    process.env[FAST_PATH_ENV] = "off";
    const plain = await (await mapperFor(MAPPINGS)).map(items);
    expect(fast.entities.map((e) => e.entity.identifier)).toEqual(["api", "cli"]);
    expect(fast.failures.length).toBeGreaterThan(0);
    expect(plain).toEqual(fast);
  });

  it("names the variable and the value it got when it is neither on nor off", () => {
    expect(() => fastPathEnabled({ [FAST_PATH_ENV]: "fast" })).toThrow(ConfigError);
    expect(() => fastPathEnabled({ [FAST_PATH_ENV]: "fast" })).toThrow(
      /TIDE_JQ_FAST_PATH: must be "on" or "off", not "fast"/,
    );
    expect(fastPathEnabled({ [FAST_PATH_ENV]: "OFF" })).toBe(false);
    expect(fastPathEnabled({})).toBe(true);
  });
});

describe("a fast-path fallback", () => {
  it("is reported once by the mapper, with the reason", async () => {
    const mapper = await mapperFor(`
identifier: .name
blueprint: '"githubRepository"'
properties:
  size: '. | tojson | length'
`);
    const first = await mapper.map(items.slice(0, 2));
    expect(first.fastPathFallbacks).toEqual([expect.stringMatching(/^items go to jq whole \(.+\)$/)]);
    expect(first.entities).toHaveLength(2);
    const second = await mapper.map(items.slice(0, 2));
    expect(second.fastPathFallbacks).toBeUndefined();
  });

  it("is logged as a warning naming the kind and counted in the ingest's report", async () => {
    let world: ThingWorld | undefined;
    try {
      world = await startThingWorld({
        configText: `
resources:
  - kind: thing
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"thing"'
          properties:
            owner: '(. | keys | length | tostring) + .owner'
`,
      });
      world.pages = [things(3)];
      const { deps, messages, log } = await enumerateRun(world);
      const report = await ingest(
        deps,
        messages.map((m, i) => ({ id: `m${i}`, body: JSON.stringify(m), receiveCount: 1 })),
      );
      expect(report).toMatchObject({ entities: 3, failures: 0, fastPathFallbacks: 1 });
      const warning = log.lines.find((l) => l.message.startsWith("jq fast path fell back"));
      expect(warning?.level).toBe("warn");
      expect(warning?.extra[0]).toMatchObject({ kind: "thing", reason: expect.stringMatching(/whole/) });
    } finally {
      await world?.close();
    }
  });
});
