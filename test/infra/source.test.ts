import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TidePropError } from "../../infra/errors.ts";
import { resolveTideProps } from "../../infra/props.ts";
import { synthTide } from "./synth.ts";

const MODULE = fileURLToPath(new URL("../fixtures/sdk-source/users-api.mjs", import.meta.url));

describe("the source prop", () => {
  it("bundles a source module beside each function and points TIDE_SOURCE_MODULE at it", async () => {
    const s = synthTide({ tide: { source: MODULE, integrationId: "users-api" } });
    const functions = s.template.findResources("AWS::Lambda::Function") as Record<
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> }; Code: { S3Key: string } } }
    >;
    const tideFunctions = Object.values(functions).filter(
      (f) => f.Properties.Environment?.Variables?.TIDE_RUN_TABLE,
    );
    expect(tideFunctions).toHaveLength(2);
    for (const fn of tideFunctions) {
      expect(fn.Properties.Environment.Variables.TIDE_SOURCE_MODULE).toBe("/var/task/source.mjs");
      expect(fn.Properties.Environment.Variables.TIDE_SOURCE).toBeUndefined();
      const asset = join(s.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, "")}`);
      expect(readdirSync(asset)).toContain("source.mjs");
    }
    // As Lambda loads it: from /var/task, with no node_modules around.
    const asset = join(s.outdir, `asset.${tideFunctions[0]?.Properties.Code.S3Key.replace(/\.zip$/, "")}`);
    const packageDir = mkdtempSync(join(tmpdir(), "tide-var-task-"));
    cpSync(join(asset, "source.mjs"), join(packageDir, "source.mjs"));
    const script =
      'const { default: d } = await import("./source.mjs");' +
      'const s = d.create({ USERS_API_URL: "http://127.0.0.1:1" });' +
      "process.stdout.write(JSON.stringify({ name: d.name, kinds: Object.keys(s.kinds), blueprints: d.defaults.blueprints.length }));";
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? "" },
    });
    rmSync(packageDir, { recursive: true, force: true });
    expect(JSON.parse(stdout)).toEqual({
      name: "users-api",
      kinds: ["user", "member", "team"],
      blueprints: 3,
    });
  });

  it("names a built-in source in TIDE_SOURCE, and refuses a module that is not there", () => {
    expect(resolveTideProps({ source: "http" }).source).toBe("http");
    expect(() => resolveTideProps({ source: "./nope/my-source.mjs" })).toThrow(TidePropError);
    expect(() => resolveTideProps({ source: "./nope/my-source.mjs" })).toThrow(/source.*does not exist/);
    expect(() => resolveTideProps({ source: "no-such-package-here" })).toThrow(/not a built-in source/);
  });
});
