/**
 * Poison messages on the ingest queue: not JSON, the wrong version, the wrong shape, a run
 * that no longer exists. Each is reported with the message id and what is wrong, handed
 * back for redelivery (so SQS moves it to the DLQ), and never holds back its neighbours.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { ingest } from "../../lib/pipeline/ingest.ts";
import { type LambdaWorld, startLambdaWorld } from "../support/lambda-world.ts";
import { startWorld, type World } from "../support/world.ts";
import { enumerateRun, startThingWorld, type ThingWorld, things } from "./harness.ts";

let world: ThingWorld | undefined;
let github: World | undefined;
let aws: LambdaWorld | undefined;
afterEach(async () => {
  await aws?.close();
  await github?.close();
  await world?.close();
  world = github = aws = undefined;
});

/** A run enumerated into two messages (ok-1..3 and b-1..3), not yet ingested. */
async function openRun() {
  world = await startThingWorld();
  world.pages = [things(3), things(3, "b")];
  return enumerateRun(world);
}

const delivery = (id: string, body: string, receiveCount = 1) => ({ id, body, receiveCount });

describe("poison messages", () => {
  it.each([
    ["a body that is not JSON", "<html>not a message</html>", /message body is not JSON/],
    ["an empty body", "", /message body is not JSON/],
    ["JSON that is not an object", '"hello"', /message body is not an object/],
    ["a JSON null", "null", /message body is not an object/],
    [
      "a message of another version",
      JSON.stringify({ v: 3, runId: "r", resource: 0, parts: [{ batch: "b", items: [] }] }),
      /message version 3 is not 1 or 2/,
    ],
    [
      "a message without a version",
      JSON.stringify({ runId: "r", resource: 0, batch: "b", items: [] }),
      /message version undefined is not 1 or 2/,
    ],
    [
      "a message without a runId",
      JSON.stringify({ v: 1, resource: 0, batch: "b", items: [] }),
      /message has no runId/,
    ],
    [
      "a negative resource",
      JSON.stringify({ v: 1, runId: "r", resource: -1, batch: "b", items: [] }),
      /message b: resource must be a non-negative integer/,
    ],
    [
      "a v2 message without parts",
      JSON.stringify({ v: 2, runId: "r", resource: 0, kind: "thing", parts: [] }),
      /message has no parts/,
    ],
    [
      "a v2 message part whose items are not a list",
      JSON.stringify({ v: 2, runId: "r", resource: 0, kind: "thing", parts: [{ batch: "b", items: {} }] }),
      /message b: items must be an array/,
    ],
    [
      "items that are not a list",
      JSON.stringify({ v: 1, runId: "r", resource: 0, batch: "b", items: "1,2,3" }),
      /message b: items must be an array/,
    ],
  ])("%s goes back for the DLQ with a reason; its neighbours are ingested", async (_, body, reason) => {
    const { deps, messages, runId, log } = await openRun();
    const [first, second] = messages;
    const report = await ingest(deps, [
      delivery("good-1", JSON.stringify(first)),
      delivery("poison", body),
      delivery("good-2", JSON.stringify(second)),
    ]);
    expect(report.retry).toEqual(["poison"]);
    expect(report).toMatchObject({ ingested: 2, entities: 6, failures: 0 });
    expect(world?.ids()).toEqual(["b-1", "b-2", "b-3", "ok-1", "ok-2", "ok-3"]);
    expect((await deps.store.getRun(runId))?.status).toBe("completed");
    const error = log.lines.find((l) => l.level === "error");
    expect(error?.message).toMatch(/unreadable message: it will go to the dead-letter queue/);
    expect(error?.extra[0]).toMatchObject({ messageId: "poison", error: expect.stringMatching(reason) });
  });

  it("a message of a run no longer in the run table is handed back, saying so; its neighbours are ingested", async () => {
    const { deps, messages, log } = await openRun();
    const [first, second] = messages;
    const orphan = { ...first, runId: "20200101T000000Z-dead00" };
    const report = await ingest(deps, [
      delivery("orphan", JSON.stringify(orphan)),
      delivery("good-1", JSON.stringify(first)),
      delivery("good-2", JSON.stringify(second)),
    ]);
    expect(report.retry).toEqual(["orphan"]);
    expect(report.ingested).toBe(2);
    expect(log.text()).toMatch(
      /"runId":"20200101T000000Z-dead00","error":"run 20200101T000000Z-dead00 (not found|is not in the run table)/,
    );
  });

  it("a message naming a resource the run's config does not have is handed back, naming it", async () => {
    const { deps, messages, runId, log } = await openRun();
    const [first] = messages;
    const report = await ingest(deps, [
      delivery("wrong-resource", JSON.stringify({ ...first, resource: 9, batch: "9:-:0" })),
    ]);
    expect(report.retry).toEqual(["wrong-resource"]);
    expect(log.text()).toContain(`run ${runId} has no resource #9`);
  });

  it("through SQS, a poison message ends in the DLQ after maxReceiveCount while the resync completes", async () => {
    github = await startWorld({ github: { repos: 3, pullsPerRepo: 2, issuesPerRepo: 1, teams: 1 } });
    aws = await startLambdaWorld(github, { maxReceiveCount: 2 });
    await aws.sqs.client.send(
      new SendMessageCommand({ QueueUrl: aws.sqs.queueUrl, MessageBody: "{truncated" }),
    );
    const run = await aws.resync();
    expect(run.status).toBe("completed");
    expect(github.actual()).toEqual(github.expected());
    await aws.drain();
    const dead = await aws.drainDeadLetters();
    expect(dead.map((m) => m.Body)).toEqual(["{truncated"]);
  });
});
