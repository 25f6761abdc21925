import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveGitHub } from "../../lib/live/github-api.ts";
import { type LocalLive, startLocalLive } from "../../lib/live/local.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import { startWorld, type World } from "../support/world.ts";
import { deliver, example, retarget } from "./webhooks.ts";

const SECRET = "files";
const SERVICE = {
  identifier: "service",
  title: "Service",
  schema: { properties: { readme: { type: "string", title: "README" } }, required: [] },
  relations: {},
};
const CONFIG = `resources:
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"service"'
          properties:
            readme: file://README.md
`;

let world: World;
let live: LocalLive;
beforeAll(async () => {
  world = await startWorld({
    github: { repos: 2, pullsPerRepo: 0, issuesPerRepo: 0, teams: 0 },
    port: { blueprints: [SERVICE] },
    configText: CONFIG,
  });
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
});
afterAll(async () => {
  await live?.close();
  await world?.close();
});

describe("file:// values and live events", () => {
  it("a repository event writes the file's content as a resync does, not null", async () => {
    const [repo] = world.github.org.repoNames() as [string];
    world.github.contents.put(repo, "README.md", "# before\n");
    const { run } = await resyncLocal({
      integrationId: "github-test",
      config: world.config,
      source: world.source,
      catalog: world.catalog,
      compile: world.compile,
    });
    expect(run.status).toBe("completed");
    expect(world.port.entity("service", repo)?.properties).toEqual({ readme: "# before\n" });

    world.github.contents.put(repo, "README.md", "# after\n");
    const payload = retarget(example("repository", "created"), world.github.org, repo);
    payload.action = "edited";
    const answer = await deliver(live.server.url, "repository", payload, {
      delivery: randomUUID(),
      secret: SECRET,
    });
    await live.queue.idle();
    expect(answer.status).toBe(202);
    expect(world.port.entity("service", repo)?.properties).toEqual({ readme: "# after\n" });
  });
});
