import { describe, expect, it } from "vitest";
import { dependencyOrder, isDeferrable } from "../../lib/pipeline/deferred.ts";
import { type Owned, protectedTargets, touchedBy } from "../../lib/pipeline/owned.ts";
import type { DeferredEntity } from "../../lib/pipeline/run.ts";
import { judgeShare, THRESHOLD_FLOOR } from "../../lib/pipeline/threshold.ts";

const owned = (entities: Record<string, string[]>): Owned => ({
  ids: new Map(),
  targets: new Map(Object.entries(entities).map(([key, targets]) => [key.replace("/", "\u0000"), targets])),
  relationsKnown: true,
});

describe("what a deletion touches", () => {
  it("is every owned entity pointing at a deleted one, followed through what points at those", () => {
    const graph = owned({ "pr/api-1": ["api"], "review/r1": ["api-1"], "pr/web-1": ["web"] });
    const touched = touchedBy(graph, new Set(["api"]));
    expect(Object.fromEntries(touched)).toEqual({ pr: ["api-1"], review: ["r1"] });
  });
});

describe("placeholders", () => {
  it("are the targets of entities that stay, not of those that go", () => {
    const graph = owned({ "pr/old-1": ["old"], "pr/api-1": ["api"] });
    const kept = protectedTargets(graph, (bp, id) => bp === "pr" && id === "old-1");
    expect([...kept]).toEqual(["api"]);
  });
});

describe("the threshold", () => {
  it(`does not judge a blueprint of fewer than ${THRESHOLD_FLOOR} entities, and holds one above the share`, () => {
    expect(judgeShare("pr", 1, 1, 0.9)).toBeUndefined();
    expect(judgeShare("pr", THRESHOLD_FLOOR - 1, THRESHOLD_FLOOR - 1, 0.5)).toBeUndefined();
    expect(judgeShare("repo", 10, 10, 0.9)).toMatch(
      /10 of 10 repo entities \(100%\).*entityDeletionThreshold 90%/,
    );
    expect(judgeShare("repo", 9, 10, 0.9)).toBeUndefined();
  });
});

describe("deferred entities", () => {
  const deferred = (
    blueprint: string,
    identifier: string,
    relations: Record<string, string> = {},
  ): DeferredEntity => ({
    blueprint,
    entity: { identifier, blueprint, relations },
    kind: blueprint,
    message: "related entity not found",
  });

  it("go blueprint by blueprint, targets first, whatever order they came in", () => {
    const order = dependencyOrder([
      deferred("review", "r1", { pull: "api-1" }),
      deferred("pr", "api-1", { repo: "api" }),
      deferred("repo", "api", { team: "core" }),
    ]);
    expect(order).toEqual(["repo", "pr", "review"]);
  });

  it("are only the 404 not_found answers while missing related entities are not created", () => {
    const notFound = {
      ok: false as const,
      identifier: "x",
      retryable: false,
      status: 404,
      code: "not_found",
      message: "",
    };
    expect(isDeferrable(notFound, { merge: true, createMissingRelatedEntities: false })).toBe(true);
    expect(isDeferrable(notFound, { merge: true, createMissingRelatedEntities: true })).toBe(false);
    expect(
      isDeferrable(
        { ...notFound, status: 422, code: "invalid_request" },
        { merge: true, createMissingRelatedEntities: false },
      ),
    ).toBe(false);
  });
});
