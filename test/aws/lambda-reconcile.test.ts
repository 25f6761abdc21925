import { afterEach, describe, expect, it } from "vitest";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { createGitHubSource } from "../../lib/source/github/index.ts";
import { type LambdaWorld, startLambdaWorld } from "../support/lambda-world.ts";
import { shiftingListing } from "../support/shifting-listing.ts";
import { BLUEPRINTS, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
let aws: LambdaWorld | undefined;
afterEach(async () => {
  await aws?.close();
  await world?.close();
  aws = undefined;
  world = undefined;
});

async function start(options: Parameters<typeof startWorld>[0] = {}) {
  world = await startWorld(options);
  aws = await startLambdaWorld(world);
  return { world, aws };
}

describe("reconciliation through SQS and DynamoDB, driven like Lambda", () => {
  it("keeps placeholders of archived repositories that open pull requests relate to", async () => {
    const configText = (await githubDefaults.portAppConfig()).replace(
      'query: "true"',
      'query: ".archived == false"',
    );
    const { world, aws } = await start({
      github: { repos: 30, seed: 8, pullsPerRepo: 3, issuesPerRepo: 0 },
      configText,
    });
    const relation = world.port.state.store.blueprints.get(BLUEPRINTS.pullRequest)?.relations.repository;
    if (relation) relation.required = true;
    const archivedPulls = world.github.org
      .repos()
      .filter((r) => r.archived === true)
      .flatMap((r) =>
        world.github.org
          .pulls(r.name as string, "open")
          .map((p) => `${r.name}-${(p as { number: number }).number}`),
      );
    expect(archivedPulls.length).toBeGreaterThan(2);
    for (const _ of [1, 2]) {
      const run = await aws.resync();
      expect(run.status).toBe("completed");
      expect(run.summary?.deletion.protected).toBeGreaterThan(0);
      for (const pull of archivedPulls) expect(world.port.entity(BLUEPRINTS.pullRequest, pull)).toBeDefined();
    }
  });

  it("does not delete a live repository that a shifting listing skipped, and repairs what was deleted in Port by hand", async () => {
    const { world, aws } = await start({
      github: { repos: 120, pullsPerRepo: 1, issuesPerRepo: 0, teams: 2 },
    });
    await aws.resync();
    const names = world.github.org.repoNames();
    const skipped = names[100] as string;
    const [team] = world.port.entities(BLUEPRINTS.team);
    world.port.state.store.delete(BLUEPRINTS.team, [team!.identifier], false);
    const shifting = createGitHubSource({
      org: world.github.org.login,
      apiUrl: world.github.url,
      token: world.github.token,
      http: { dispatcher: shiftingListing(() => world.github.org.removeRepo(names[10] as string)) },
    });
    // The fanout lists with it; the ingest's reconciliation looks again with it too.
    aws.runtime.source = () => shifting;
    const run = await aws.resync();
    expect(run.status).toBe("completed");
    expect(run.summary?.deletion.unconfirmed).toBeGreaterThan(0);
    expect(world.port.entity(BLUEPRINTS.repository, skipped)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.team, team!.identifier)).toBeDefined();
    expect(run.summary?.deletion.repaired).toBe(1);
    const next = await aws.resync();
    expect(next.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });
});
