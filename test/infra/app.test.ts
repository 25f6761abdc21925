import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE_CONFIG } from "./synth.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const APP = join(ROOT, "infra", "app.ts");

/**
 * Runs the app the way `npx cdk synth` does (cdk.json's `node infra/app.ts`, context and
 * output directory passed in the environment), with no AWS credentials or config at all.
 */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

async function synthApp(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), "tide-app-"));
  outdirs.push(outdir);
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_") && !key.startsWith("CDK_")),
  );
  const run = promisify(execFile)(process.execPath, [APP], {
    cwd: ROOT,
    env: {
      ...clean,
      AWS_CONFIG_FILE: "/nonexistent",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      ...env,
    },
  });
  return { outdir, run };
}

const manifest = (outdir: string) =>
  JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
    artifacts: Record<string, { type: string; environment?: string }>;
  };

describe("the standalone app", () => {
  it("synthesizes offline, environment-agnostic, with cdk-nag reporting nothing", async () => {
    const { outdir, run } = await synthApp({ configFile: FIXTURE_CONFIG, stackName: "TideOffline" });
    await run;
    const stack = manifest(outdir).artifacts.TideOffline;
    expect(stack?.environment).toBe("aws://unknown-account/unknown-region");
    const template = JSON.parse(readFileSync(join(outdir, "TideOffline.template.json"), "utf8"));
    expect(Object.keys(template.Outputs)).toContain("FanoutFunctionName");
    const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"));
    expect(report.pluginReports).toEqual([]);
  });

  it("pins the account and region only when the CLI provides them", async () => {
    const { outdir, run } = await synthApp(
      // Template only: the first test already bundles.
      { configFile: FIXTURE_CONFIG, "aws:cdk:bundling-stacks": [] },
      { CDK_DEFAULT_ACCOUNT: "123456789012", CDK_DEFAULT_REGION: "eu-west-1", CDK_VALIDATION: "false" },
    );
    await run;
    expect(manifest(outdir).artifacts.Tide?.environment).toBe("aws://123456789012/eu-west-1");
  });

  it("fails before bundling when a context value breaks the payload limit", async () => {
    const { run } = await synthApp({
      configFile: FIXTURE_CONFIG,
      batchSize: "100",
      maxBatchingWindowSeconds: "5",
    });
    await expect(run).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /BatchPayloadTooLargeError: Tide: batchSize=100 × maxMessageBytes=262144/,
      ),
    });
  });

  it("refuses a mapping whose jq does not compile, naming the file, field and line", async () => {
    const broken = join(mkdtempSync(join(tmpdir(), "tide-app-")), "port-app-config.yml");
    outdirs.push(dirname(broken));
    const text = readFileSync(FIXTURE_CONFIG, "utf8");
    const field = text.split("\n").findIndex((l) => /^\s+title: /.test(l));
    expect(field).toBeGreaterThan(0);
    const lines = text.split("\n");
    lines[field] = lines[field]!.replace(/title: .*/, `title: '(.name // "none"'`);
    writeFileSync(broken, lines.join("\n"));
    const { run } = await synthApp({ configFile: broken, "aws:cdk:bundling-stacks": [] });
    await expect(run).rejects.toMatchObject({
      stderr: expect.stringMatching(
        new RegExp(
          `port-app-config\\.yml: resources\\[0\\]\\.port\\.entity\\.mappings\\.title: jq .*\\(line ${field + 1}\\)`,
        ),
      ),
    });
  });
});
