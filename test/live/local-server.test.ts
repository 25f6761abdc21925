import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveGitHub } from "../../lib/live/github-api.ts";
import { type LocalLive, startLocalLive } from "../../lib/live/local.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import { BLUEPRINTS, startWorld, type World } from "../support/world.ts";
import { deliver, example, retarget } from "./webhooks.ts";

type Json = Record<string, unknown>;

const SECRET = "It's a Secret to Everybody";
let world: World;
let live: LocalLive;
let repos: string[];
/** The fake GitHub's clock: GitHub's `updated_at` has whole seconds, so tests move it by seconds. */
let clock = Date.UTC(2026, 0, 5, 9);

beforeAll(async () => {
  world = await startWorld({
    github: { repos: 6, pullsPerRepo: 4, issuesPerRepo: 3, teams: 3, seed: 14, now: () => clock },
  });
  const { run } = await resyncLocal({
    integrationId: "github-test",
    config: world.config,
    source: world.source,
    catalog: world.catalog,
    compile: world.compile,
  });
  expect(run.status).toBe("completed");
  live = await startLocalLive({
    org: world.github.org.login,
    secret: SECRET,
    config: world.config,
    compile: world.compile,
    catalog: world.catalog,
    github: new LiveGitHub({ apiUrl: world.github.url, token: world.github.token }),
    port: 0,
    queue: { retryDelayMs: 10 },
  });
  repos = world.github.org.repoNames();
});
afterAll(async () => {
  await live?.close();
  await world?.close();
});

/**
 * A real pull_request payload, its pull request replaced by the fake's as GitHub shows it now.
 * GitHub's examples have no `edited`: it is `opened`'s shape with another action.
 */
function pullPayload(action: string, repo: string, number: number): Json {
  const payload = retarget(
    example("pull_request", action === "edited" ? "opened" : action),
    world.github.org,
    repo,
  );
  payload.action = action;
  const pr = world.github.org.pulls(repo, "all").find((p) => p.number === number);
  payload.pull_request = { ...(payload.pull_request as Json), ...pr };
  return payload;
}

function openPull(repo: string): number {
  const pr = world.github.org.pulls(repo, "open")[0];
  if (!pr) throw new Error(`no open pull request in ${repo}`);
  return pr.number as number;
}

async function send(event: string, payload: Json, delivery = randomUUID()) {
  const answer = await deliver(live.server.url, event, payload, { delivery, secret: SECRET });
  await live.queue.idle();
  return answer;
}

describe("the webhook endpoint", () => {
  it("refuses a missing or wrong signature with 401 and writes nothing", async () => {
    const repo = repos[0] as string;
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { title: "should never reach Port" });
    const payload = pullPayload("edited", repo, number);
    const before = world.port.requestCount("bulkUpsert");
    const unsigned = await deliver(live.server.url, "pull_request", payload, {
      delivery: randomUUID(),
      signature: null,
    });
    const wrong = await deliver(live.server.url, "pull_request", payload, {
      delivery: randomUUID(),
      secret: "guess",
    });
    await live.queue.idle();
    expect(unsigned.status).toBe(401);
    expect(String(unsigned.body.error)).toContain("X-Hub-Signature-256 is missing");
    expect(wrong.status).toBe(401);
    expect(String(wrong.body.error)).toContain("does not match");
    expect(String(wrong.body.error)).not.toContain(SECRET);
    expect(world.port.requestCount("bulkUpsert")).toBe(before);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).not.toBe(
      "should never reach Port",
    );
  });

  it("refuses a body over GitHub's 25 MB cap with 413", async () => {
    const big = "x".repeat(25 * 1024 * 1024 + 1);
    const answer = await deliver(live.server.url, "push", big, {
      delivery: randomUUID(),
      signature: "sha256=00",
    });
    expect(answer.status).toBe(413);
  });

  it("answers a ping, and acknowledges an event before it is applied", async () => {
    const ping = await deliver(
      live.server.url,
      "ping",
      { zen: "Keep it logically awesome." },
      {
        delivery: randomUUID(),
        secret: SECRET,
      },
    );
    expect(ping.status).toBe(200);
    const repo = repos[0] as string;
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { title: "acknowledged first" });
    const answer = await deliver(live.server.url, "pull_request", pullPayload("edited", repo, number), {
      delivery: randomUUID(),
      secret: SECRET,
    });
    expect(answer).toMatchObject({ status: 202, body: { queued: true } });
    await live.queue.idle();
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe("acknowledged first");
  });
});

describe("applying events", () => {
  it("writes an edited pull request, fetched again from GitHub, once per delivery", async () => {
    const repo = repos[1] as string;
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { title: "Retitled live" });
    const delivery = randomUUID();
    const payload = pullPayload("edited", repo, number);
    expect((await send("pull_request", payload, delivery)).status).toBe(202);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe("Retitled live");

    // GitHub's "Redeliver": same delivery id. It changes nothing, even though GitHub moved on.
    world.github.org.updatePull(repo, number, { title: "Changed after" });
    const upserts = world.port.requestCount("bulkUpsert");
    expect((await send("pull_request", payload, delivery)).status).toBe(202);
    expect(world.port.requestCount("bulkUpsert")).toBe(upserts);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe("Retitled live");
    expect(live.counts.duplicates).toBeGreaterThanOrEqual(1);
  });

  it("skips an event older than the last one applied to the same pull request", async () => {
    const repo = repos[2] as string;
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { title: "Older title" });
    const older = pullPayload("edited", repo, number);
    clock += 1000;
    world.github.org.updatePull(repo, number, { title: "Newer title" });
    const newer = pullPayload("edited", repo, number);
    expect(Date.parse(String((newer.pull_request as Json).updated_at))).toBeGreaterThan(
      Date.parse(String((older.pull_request as Json).updated_at)),
    );
    await send("pull_request", newer);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe("Newer title");

    // The older delivery arrives late. Applying it would fetch GitHub's current state again;
    // make that differ, to see that it is skipped, not merely harmless.
    clock += 1000;
    world.github.org.updatePull(repo, number, { title: "Not from an event" });
    const upserts = world.port.requestCount("bulkUpsert");
    await send("pull_request", older);
    expect(world.port.requestCount("bulkUpsert")).toBe(upserts);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe("Newer title");
  });

  it("deletes a pull request that no longer matches the selector (closed, state: open)", async () => {
    const repo = repos[3] as string;
    const number = openPull(repo);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)).toBeDefined();
    world.github.org.updatePull(repo, number, { merged: true });
    await send("pull_request", pullPayload("closed", repo, number));
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)).toBeUndefined();
    // Reopened: it matches again and comes back.
    world.github.org.updatePull(repo, number, { state: "open" });
    await send("pull_request", pullPayload("reopened", repo, number));
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.properties?.status).toBe("open");
  });

  it("deletes a deleted repository", async () => {
    const repo = repos[4] as string;
    const payload = retarget(example("repository", "created"), world.github.org, repo);
    payload.action = "deleted";
    expect(world.port.entity(BLUEPRINTS.repository, repo)).toBeDefined();
    world.github.org.removeRepo(repo);
    await send("repository", payload);
    expect(world.port.entity(BLUEPRINTS.repository, repo)).toBeUndefined();
  });

  it("writes a renamed repository under its new name and deletes the old identifier", async () => {
    const from = repos[5] as string;
    const to = `${from}-renamed`;
    world.github.org.renameRepo(from, to);
    const payload = retarget(example("repository", "renamed"), world.github.org, to);
    payload.changes = { repository: { name: { from } } };
    await send("repository", payload);
    expect(world.port.entity(BLUEPRINTS.repository, to)?.properties?.url).toContain(to);
    expect(world.port.entity(BLUEPRINTS.repository, from)).toBeUndefined();
  });

  it("deletes a deleted issue and writes an edited team", async () => {
    const repo = repos[0] as string;
    const issue = world.github.org.issues(repo, "open").find((i) => !("pull_request" in i));
    if (!issue) throw new Error("no open issue");
    const id = `${repo}-${issue.number}`;
    expect(world.port.entity(BLUEPRINTS.issue, id)).toBeDefined();
    const deleted = retarget(example("issues", "deleted"), world.github.org, repo);
    deleted.issue = { ...(deleted.issue as Json), ...issue };
    await send("issues", deleted);
    expect(world.port.entity(BLUEPRINTS.issue, id)).toBeUndefined();

    const team = world.github.org.teams()[0] as Json;
    world.port.seed(BLUEPRINTS.team, [{ identifier: String(team.slug), title: "stale title" }]);
    const edited = retarget(example("team", "edited"), world.github.org);
    edited.team = { ...(edited.team as Json), id: team.id, slug: team.slug, name: "stale name" };
    await send("team", edited);
    expect(world.port.entity(BLUEPRINTS.team, String(team.slug))?.title).toBe(team.name);
  });

  it("sends an event it cannot apply to the dead letters with its reason, and goes on", async () => {
    const broken = retarget(example("issues", "opened"), world.github.org, repos[0]);
    delete broken.issue;
    const repo = repos[1] as string;
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { title: "After the broken one" });
    const letters = live.queue.deadLetters.letters.length;
    await Promise.all([send("issues", broken), send("pull_request", pullPayload("edited", repo, number))]);
    expect(live.queue.deadLetters.letters.slice(letters)).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("the payload has no issue object") }),
    ]);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)?.title).toBe(
      "After the broken one",
    );
  });

  it("ignores events of another organization and kinds the config does not map", async () => {
    const other = example("repository", "created");
    const answer = await send("repository", other);
    expect(answer.status).toBe(202);
    const release = retarget(example("release", "published"), world.github.org);
    expect((await send("release", release)).status).toBe(202);
    const health = (await (await fetch(`${live.server.url}/health`)).json()) as Json;
    expect(health).toMatchObject({ ok: true, queued: 0 });
    expect(health.ignored).toBeGreaterThanOrEqual(2);
  });
});
