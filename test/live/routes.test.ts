import { describe, expect, it } from "vitest";
import { EVENT_ROUTES, routesOf } from "../../lib/live/routes.ts";
import { example } from "./webhooks.ts";

type Json = Record<string, unknown>;

/** Every subject each route reads from GitHub's own example of an event. */
function subjectsOf(event: string, action?: string, org = "Octocoders") {
  const payload = example(event, action);
  return routesOf(event).flatMap((route) =>
    route
      .subjects(payload, org)
      .map((s) => ({ kind: route.kind, key: s.key, gone: s.gone, item: s.item as Json })),
  );
}

describe("event routes on GitHub's example payloads", () => {
  it("reads every routed event's examples without error", () => {
    for (const event of Object.keys(EVENT_ROUTES)) {
      const payload = example(event);
      for (const route of routesOf(event)) expect(() => route.subjects(payload, "Octocoders")).not.toThrow();
    }
  });

  it("maps deletions, renames and transfers to gone objects and old identities", () => {
    expect(subjectsOf("issues", "deleted")).toEqual([expect.objectContaining({ kind: "issue", gone: true })]);
    const transferred = subjectsOf("issues", "transferred");
    expect(transferred[0]).toMatchObject({ kind: "issue", gone: true });
    const [renamed] = routesOf("repository").flatMap((r) =>
      r.subjects(example("repository", "renamed"), "Octocoders"),
    );
    expect(renamed?.previous).toMatchObject({ name: "Hello-World" });
    // Transferred to an account that is not the org: gone from it.
    const away = routesOf("repository")[0]?.subjects(example("repository", "transferred"), "acme")[0];
    expect(away?.gone).toBe(true);
    expect(subjectsOf("release", "deleted")).toEqual([
      expect.objectContaining({
        kind: "release",
        gone: true,
        item: expect.objectContaining({ __repository: "Hello-World" }),
      }),
    ]);
    expect(subjectsOf("team", "deleted")).toEqual([expect.objectContaining({ kind: "team", gone: true })]);
  });

  it("routes branches and tags by ref type, and files by the push's commits", () => {
    const created = example("create");
    const kind = created.ref_type === "tag" ? "tag" : "branch";
    expect(subjectsOf("create")).toEqual([
      expect.objectContaining({
        kind,
        gone: false,
        item: { name: created.ref, __repository: "Hello-World" },
      }),
    ]);
    expect(subjectsOf("delete").every((s) => s.gone)).toBe(true);
    const push = example("push");
    const paths = new Set(
      ((push.commits ?? []) as Json[]).flatMap((c) => [c.added, c.modified, c.removed].flat() as string[]),
    );
    expect(
      subjectsOf("push")
        .map((s) => s.item.path)
        .sort(),
    ).toEqual([...paths].sort());
  });

  it("keeps issues that are pull requests out of the issue kind", () => {
    const milestoned = example("issues", "milestoned");
    expect((milestoned.issue as Json).pull_request).toBeDefined();
    expect(subjectsOf("issues", "milestoned")).toEqual([]);
  });

  it("applies source options: state, repositoryType and alert states", () => {
    const [pulls] = routesOf("pull_request");
    expect(pulls?.mismatch?.({ state: "closed" }, { query: "true" })).toContain("state=open");
    expect(pulls?.mismatch?.({ state: "closed" }, { query: "true", state: "all" })).toBeUndefined();
    // Ocean's states list.
    expect(pulls?.mismatch?.({ state: "closed" }, { query: "true", states: ["open"] })).toContain(
      "states open",
    );
    expect(
      pulls?.mismatch?.({ state: "closed" }, { query: "true", states: ["open", "closed"] }),
    ).toBeUndefined();
    const [repos] = routesOf("repository");
    expect(
      repos?.mismatch?.({ visibility: "private", fork: false }, { query: "true", repositoryType: "public" }),
    ).toContain("repositoryType=public");
    expect(
      repos?.mismatch?.({ visibility: "public", fork: true }, { query: "true", repositoryType: "forks" }),
    ).toBeUndefined();
    const [alerts] = routesOf("dependabot_alert");
    expect(alerts?.mismatch?.({ state: "fixed" }, { query: "true", states: ["open"] })).toContain("fixed");
  });

  it("has no route for events no kind uses", () => {
    expect(routesOf("star")).toEqual([]);
    expect(routesOf("constructor")).toEqual([]);
  });
});
