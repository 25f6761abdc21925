import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration } from "aws-cdk-lib";
import { afterAll, describe, expect, it } from "vitest";
import { BatchPayloadTooLargeError, TidePropError } from "../../infra/errors.ts";
import { assertBatchFitsPayload, LAMBDA_SYNC_PAYLOAD_BYTES } from "../../infra/limits.ts";
import { resolveTideProps, TIDE_DEFAULTS, type TideProps } from "../../infra/props.ts";
import { TideStack } from "../../infra/stack.ts";
import { FIXTURE_CONFIG } from "./synth.ts";

// Never synthesized: one scratch directory keeps App from making a temporary one per test.
const outdir = mkdtempSync(join(tmpdir(), "tide-infra-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Builds a stack without bundling, so that only construct-time checks run. */
function build(tide: TideProps): TideStack {
  const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [] } });
  return new TideStack(app, "TidePropsTest", { tide: { configFile: FIXTURE_CONFIG, ...tide } });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("payload guard", () => {
  const kib256 = 256 * 1024;
  const largest = Math.floor(LAMBDA_SYNC_PAYLOAD_BYTES / (kib256 + 1024));

  it("accepts the largest batch of full messages that fits Lambda's 6 MB, with ~1 KiB envelope each", () => {
    expect(() => assertBatchFitsPayload(largest, kib256)).not.toThrow();
    expect(() => build({ batchSize: largest, maxMessageBytes: kib256 })).not.toThrow();
  });

  it("stops synth one message above it, naming both props, their values and the fix", () => {
    const error = thrown(() => build({ batchSize: largest + 1, maxMessageBytes: kib256 }));
    expect(error).toBeInstanceOf(BatchPayloadTooLargeError);
    const { message, batchSize, maxMessageBytes, worstCaseBytes } = error as BatchPayloadTooLargeError;
    expect({ batchSize, maxMessageBytes }).toEqual({ batchSize: largest + 1, maxMessageBytes: kib256 });
    expect(worstCaseBytes).toBeGreaterThan(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(message).toContain(`batchSize=${largest + 1}`);
    expect(message).toContain(`maxMessageBytes=${kib256}`);
    expect(message).toContain(`at most ${largest}`);
  });

  it("counts the envelope: 6 messages of exactly 1 MiB do not fit, 5 do", () => {
    expect(() => assertBatchFitsPayload(5, 1024 * 1024)).not.toThrow();
    expect(() => assertBatchFitsPayload(6, 1024 * 1024)).toThrow(BatchPayloadTooLargeError);
  });
});

describe("props", () => {
  it("fills every default", () => {
    expect(resolveTideProps({ configFile: FIXTURE_CONFIG })).toEqual({
      ...TIDE_DEFAULTS,
      configFile: FIXTURE_CONFIG,
    });
    expect(
      resolveTideProps({ configFile: FIXTURE_CONFIG, batchSize: undefined, maxConcurrency: 8 }),
    ).toMatchObject({
      batchSize: 10,
      maxConcurrency: 8,
    });
  });

  it.each<[string, TideProps]>([
    ["maxConcurrency", { maxConcurrency: 1 }],
    ["batchSize", { batchSize: 0 }],
    ["batchSize", { batchSize: 20, maxBatchingWindow: Duration.seconds(0) }],
    ["maxReceiveCount", { maxReceiveCount: 2.5 }],
    ["maxMessageBytes", { maxMessageBytes: 2 * 1024 * 1024 }],
    ["ingestTimeout", { ingestTimeout: Duration.minutes(20) }],
    ["maxBatchingWindow", { maxBatchingWindow: Duration.minutes(6) }],
    ["schedule", { schedule: "every day" }],
    ["alarms", { alarms: "some" as TideProps["alarms"] }],
    ["integrationId", { integrationId: "has spaces" }],
    ["environment.GITHUB_ORG", { environment: { GITHUB_ORG: "acme" } }],
    ["configFile", { configFile: "/nonexistent/port-app-config.yml" }],
    ["fanoutEntry", { fanoutEntry: "/nonexistent/fanout.ts" }],
  ])("rejects a bad %s at construct time", (prop, tide) => {
    const error = thrown(() => build(tide));
    expect(error).toBeInstanceOf(TidePropError);
    expect((error as TidePropError).prop).toBe(prop);
    expect((error as TidePropError).message).toContain(`${prop}=`);
  });
});
