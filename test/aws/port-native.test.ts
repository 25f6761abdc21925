import { afterEach, describe, expect, it } from "vitest";
import { changelogHandler } from "../../lib/aws/changelog.ts";
import { fanoutHandler } from "../../lib/aws/handlers.ts";
import { resyncPathSecret } from "../../lib/integration/resync-path.ts";
import { signLikePort } from "../../lib/integration/signature.ts";
import type { StartEvent } from "../../lib/pipeline/fanout.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { capturingLogger } from "../bad-input/harness.ts";
import { FANOUT_FUNCTION_URL, type LambdaWorld, startLambdaWorld } from "../support/lambda-world.ts";
import { BLUEPRINTS, INTEGRATION, startWorld, type World } from "../support/world.ts";

/** The deployed runtime (real handlers, SQS and DynamoDB servers) as an integration in Port. */

let world: World | undefined;
let aws: LambdaWorld | undefined;
afterEach(async () => {
  await aws?.close();
  await world?.close();
  aws = undefined;
  world = undefined;
});

describe("the deployed stack in Port", () => {
  it("reads the mapping in Port at every run start: an edit in Port applies to the next run, no redeploy", async () => {
    world = await startWorld({ github: { repos: 6, pullsPerRepo: 1, issuesPerRepo: 0, teams: 1, seed: 5 } });
    aws = await startLambdaWorld(world, { env: { TIDE_SCHEDULE: "rate(6 hours)" } });
    const first = await aws.resync();
    expect(first.status).toBe("completed");
    type Resource = { kind: string; port: { entity: { mappings: Record<string, unknown> } } };
    const stored = world.port.integration(INTEGRATION)?.config as { resources: Resource[] };
    // Port had no mapping: the bundled one was stored as the integration's mapping.
    expect(stored.resources.map((r) => r.kind)).toEqual(world.config.resources.map((r) => r.kind));
    const name = world.github.org.repoNames()[0] as string;
    expect(world.port.entity(BLUEPRINTS.repository, name)?.title).toBe(name);

    // A user edits the mapping in Port's UI: repositories only, titled differently.
    const edited = structuredClone(stored);
    edited.resources = edited.resources.filter((r) => r.kind === "repository");
    (edited.resources[0] as Resource).port.entity.mappings.title = '"Repo " + .name';
    await world.client.putIntegrationConfig(edited);

    const second = await aws.resync(); // the same container, the same bundle
    expect(second.status).toBe("completed");
    expect(second.resources).toEqual([0]);
    expect(world.port.entity(BLUEPRINTS.repository, name)?.title).toBe(`Repo ${name}`);

    // Resync state with the schedule's interval; the next resync is six hours after the start.
    const states = world.port.resyncHistory(INTEGRATION).map((r) => r.state);
    expect(states.map((s) => s.status)).toEqual(["running", "completed", "running", "completed"]);
    for (const s of states) {
      expect(s.intervalInMinuets).toBe(360);
      expect(Date.parse(String(s.nextResync)) - Date.parse(String(s.lastResyncStart))).toBe(6 * 3_600_000);
    }
    // Examples and logs from the fanout and the ingest functions.
    expect(world.port.kindExamples(INTEGRATION, "repository")).toHaveLength(6);
    const messages = world.port.integrationLogs(INTEGRATION).map((l) => l.message);
    expect(messages.filter((m) => m === "resync started")).toHaveLength(2);
    expect(messages.filter((m) => m === "resync completed")).toHaveLength(2);
  });

  it("registers the fanout's URL with the path derived from the client secret; only that path starts one resync for a burst of clicks", async () => {
    world = await startWorld({ github: { repos: 2, pullsPerRepo: 0, issuesPerRepo: 0, teams: 1, seed: 6 } });
    const log = capturingLogger();
    aws = await startLambdaWorld(world, { log });
    const { clientSecret } = world.port.credentials;
    const path = resyncPathSecret(clientSecret, INTEGRATION);
    // The stack holds no path secret: the first run tells Port its URL, ending in the derived path.
    const first = await aws.resync();
    expect(first.status).toBe("completed");
    expect(world.port.integration(INTEGRATION)?.changelogDestination).toEqual({
      type: "WEBHOOK",
      url: `${FANOUT_FUNCTION_URL}resync/${path}`,
    });

    const started: StartEvent[] = [];
    // The runtime as the stack builds it (its own changelog settings); only the invocation is caught.
    const runtime = {
      ...aws.runtime,
      invoker: () => ({
        continueFanout: async () => {},
        startFanout: async (event: StartEvent) => {
          started.push(event);
        },
      }),
    };
    const handler = changelogHandler(async () => runtime, log);
    const request = (at: string, headers: Record<string, string> = {}) =>
      handler({
        rawPath: at,
        headers: { "content-type": "application/json", ...headers },
        body: "{}",
        isBase64Encoded: false,
        requestContext: { http: { method: "POST" } },
      } as never);

    expect((await request("/resync")).statusCode).toBe(404);
    expect((await request(`/resync/${"x".repeat(43)}`)).statusCode).toBe(404);
    // Derived from another client secret (before a rotation, or another organization's) or for
    // another integration of this organization: not this endpoint.
    expect(
      (await request(`/resync/${resyncPathSecret("another-client-secret", INTEGRATION)}`)).statusCode,
    ).toBe(404);
    expect((await request(`/resync/${resyncPathSecret(clientSecret, "tide-other")}`)).statusCode).toBe(404);
    const forged = signLikePort("not-the-client-secret", "{}", Date.now() / 1000);
    expect((await request(`/resync/${path}`, forged)).statusCode).toBe(401);
    expect(started).toHaveLength(0);

    const burst = await Promise.all(Array.from({ length: 10 }, () => request(`/resync/${path}`)));
    const statuses = burst.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(started).toHaveLength(1);
    const accepted = JSON.parse(burst.find((r) => r.statusCode === 202)?.body ?? "{}");
    expect(started[0]).toEqual({ type: "start", trigger: "port", runId: accepted.runId });
    // The run lock is held for that run (in DynamoDB), so the fanout it starts takes it again.
    const lock = await aws.runtime.store.acquireLock(INTEGRATION, "someone-else", {
      staleAfterMs: 60_000,
      supersede: false,
    });
    expect(lock).toMatchObject({ acquired: false, holder: accepted.runId });

    // Neither the path nor the client secret it comes from is in the functions' logs, the run
    // table or what reached Port besides the changelog destination itself.
    expect(log.lines.some((l) => l.message === "changelog webhook refused")).toBe(true);
    expect(log.lines.some((l) => l.message === "resync requested by Port")).toBe(true);
    const everything = [
      log.text(),
      JSON.stringify(await aws.runtime.store.getRun(first.runId)),
      JSON.stringify(world.port.integrationLogs(INTEGRATION)),
      JSON.stringify(world.port.resyncHistory(INTEGRATION)),
      JSON.stringify(burst),
    ].join("\n");
    expect(everything).not.toContain(path);
    expect(everything).not.toContain(clientSecret);
  });

  it("a rotated client secret changes the URL: the next run registers it, and the old path gets 404", async () => {
    // The fake holds one secret per client id: a second pair stands in for the rotated secret.
    const rotated = { clientId: "tide-client", clientSecret: "rotated-client-secret" };
    world = await startWorld({
      github: { repos: 2, pullsPerRepo: 0, issuesPerRepo: 0, teams: 1, seed: 8 },
      port: { clients: [{ clientId: "tide-client-old", clientSecret: "old-client-secret" }, rotated] },
    });
    aws = await startLambdaWorld(world);
    expect((await aws.resync()).status).toBe("completed");
    const oldUrl = `${FANOUT_FUNCTION_URL}resync/${resyncPathSecret("old-client-secret", INTEGRATION)}`;
    const newPath = resyncPathSecret(rotated.clientSecret, INTEGRATION);
    expect(world.port.integration(INTEGRATION)?.changelogDestination).toEqual({
      type: "WEBHOOK",
      url: oldUrl,
    });
    // A second run with the same secret leaves the destination as it is (no needless write).
    const patchesBefore = world.port.requestCount("patchIntegration");
    expect((await aws.resync()).status).toBe("completed");
    expect(world.port.requestCount("patchIntegration")).toBe(patchesBefore);

    // The operator rotates the client secret and puts the new one in the stack's secret; the
    // next containers read it.
    await aws.newContainers({ PORT_CLIENT_ID: rotated.clientId, PORT_CLIENT_SECRET: rotated.clientSecret });
    expect((await aws.resync()).status).toBe("completed");
    expect(world.port.integration(INTEGRATION)?.changelogDestination).toEqual({
      type: "WEBHOOK",
      url: `${FANOUT_FUNCTION_URL}resync/${newPath}`,
    });
    expect(world.port.requestCount("patchIntegration")).toBe(patchesBefore + 1);

    const runtime = aws.runtime;
    const started: StartEvent[] = [];
    const handler = changelogHandler(
      async () => ({
        ...runtime,
        invoker: () => ({
          continueFanout: async () => {},
          startFanout: async (event: StartEvent) => {
            started.push(event);
          },
        }),
      }),
      silentLogger,
    );
    const post = (at: string) =>
      handler({
        rawPath: at,
        headers: {},
        body: "{}",
        isBase64Encoded: false,
        requestContext: { http: { method: "POST" } },
      } as never);
    expect((await post(new URL(oldUrl).pathname)).statusCode).toBe(404);
    expect(started).toHaveLength(0);
    expect((await post(`/resync/${newPath}`)).statusCode).toBe(202);
    expect(started).toHaveLength(1);
  });

  it("an invalid mapping in Port stops a deployed run before any write, and frees the lock Port's webhook took", async () => {
    const broken = {
      resources: [
        {
          kind: "repository",
          selector: { query: "true" },
          port: { entity: { mappings: { identifier: ".name |||", blueprint: '"githubRepository"' } } },
        },
      ],
    };
    world = await startWorld({
      github: { repos: 2, pullsPerRepo: 0, issuesPerRepo: 0, teams: 1, seed: 7 },
      port: { integrations: [{ identifier: INTEGRATION, config: broken }] },
    });
    aws = await startLambdaWorld(world);
    const lockOptions = { staleAfterMs: 60_000, supersede: false };
    expect(await aws.runtime.store.acquireLock(INTEGRATION, "run-from-port", lockOptions)).toEqual({
      acquired: true,
    });
    const fanout = fanoutHandler(async () => aws?.runtime as never, silentLogger);
    const result = await fanout(
      { trigger: "port", runId: "run-from-port" },
      { getRemainingTimeInMillis: () => 900_000 },
    );
    expect(result).toEqual({ outcome: "stopped", runId: "run-from-port", status: "failed" });
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(world.port.resyncHistory(INTEGRATION).map((r) => r.state.status)).toEqual(["failed"]);
    expect(world.port.integration(INTEGRATION)?.config).toEqual(broken);
    expect(await aws.runtime.store.acquireLock(INTEGRATION, "next-click", lockOptions)).toEqual({
      acquired: true,
    });
  });
});
