// The package as a user gets it: built and packed as `npm publish` would, installed from the
// tarball into a fresh project (dependencies from the npm cache, the registry for metadata only),
// then used the three ways the README shows: the `tide` command, the library, the CDK construct
// in a plain-JavaScript app. Slow by nature (a build, an install, a synth): about a minute or two.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OURS = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};

// npm, npx and the `tide` shebang find this test's Node (24) first, as in `npm test`.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
  NO_COLOR: "1",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

let project: string;
let packDir: string;
let tarball: string;

async function sh(command: string, args: string[], options: { cwd?: string } = {}) {
  return run(command, args, { cwd: options.cwd ?? project, env, maxBuffer: 64 * 1024 * 1024 });
}

async function tide(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await sh("npx", ["--no-install", "tide", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), "tide-pack-"));
  project = mkdtempSync(join(tmpdir(), "tide-consumer-"));
  // `npm pack` runs `prepack` (`npm run build`), as `npm publish` does.
  const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: ROOT });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as Array<{ filename: string }>;
  tarball = join(packDir, packed?.filename ?? "");
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  // The CDK app's own aws-cdk-lib and constructs: linked from this clone (same versions as a
  // registry install, without unpacking 160 MB again); the package itself installs from its tarball.
  await sh("npm", [
    "install",
    "--prefer-offline",
    "--install-links=false",
    tarball,
    `file:${join(ROOT, "node_modules", "aws-cdk-lib")}`,
    `file:${join(ROOT, "node_modules", "constructs")}`,
  ]);
}, 300_000);

afterAll(() => {
  for (const dir of [project, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed package", { timeout: 180_000 }, () => {
  it("ships what runs and nothing else: JavaScript, declarations, prebuilt Lambda bundles", async () => {
    const { stdout } = await sh("tar", ["-tzf", tarball]);
    const files = stdout.split("\n").filter(Boolean);
    expect(files.filter((f) => /^package\/(test|bench|\.ci|scripts|functions|lib|infra)\//.test(f))).toEqual(
      [],
    );
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    for (const fn of ["fanout", "ingest", "webhook", "events"]) {
      expect(files).toContain(`package/dist/lambda/${fn}/index.mjs`);
      expect(files).toContain(`package/dist/lambda/${fn}/build/jq.wasm`);
    }
    expect(files).toContain("package/dist/lib/index.d.ts");
    expect(files).toContain("package/dist/infra/index.d.ts");
    expect(files).toContain("package/dist/lib/source/github/defaults/port-app-config.yml");
  });

  it("is publishable under its name, with the CDK as optional peers and engines Node >= 22", () => {
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", OURS.name, "package.json"), "utf8"));
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ tide: "./bin/tide.js" });
    expect(pkg.engines.node).toBe(">=22");
    expect(Object.keys(pkg.dependencies)).not.toContain("aws-cdk-lib");
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(["aws-cdk-lib", "constructs"]);
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining([".", "./cdk", "./cli"]));
    // A consumer's synth needs neither esbuild (prebuilt bundles) nor the TypeScript compiler.
    expect(existsSync(join(project, "node_modules", "esbuild"))).toBe(false);
    expect(existsSync(join(project, "node_modules", "typescript"))).toBe(false);
  });
});

describe("npx tide from node_modules", { timeout: 180_000 }, () => {
  it("prints its help and version", async () => {
    const help = await tide(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: tide <command>/);
    for (const command of ["resync", "status", "setup", "validate", "map"])
      expect(help.stdout).toContain(command);
    const version = await tide(["--version"]);
    expect(version.stdout.trim()).toBe(OURS.version);
  });

  it("runs as plain JavaScript: no type stripping needed (Node 22 refuses it inside node_modules)", async () => {
    const bin = join(project, "node_modules", OURS.name, "bin", "tide.js");
    const { stdout } = await sh(process.execPath, ["--no-experimental-strip-types", bin, "--help"]);
    expect(stdout).toMatch(/Usage: tide <command>/);
  });

  it("validates a config in the working directory, and names the file and field of a broken one", async () => {
    cpSync(
      join(project, "node_modules", OURS.name, "dist/lib/source/github/defaults/port-app-config.yml"),
      join(project, "port-app-config.yml"),
    );
    const ok = await tide(["validate"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);

    writeFileSync(join(project, "broken.yml"), "resources:\n  - kind: repository\n    port: 3\n");
    const bad = await tide(["validate", "--config", "broken.yml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("broken.yml");
    expect(bad.stderr).toMatch(/port/);
  });
});

describe("the library and the construct from the package", { timeout: 180_000 }, () => {
  it("maps raw items with the library's exports", async () => {
    const script = `
      import { compileResource, loadConfigFile } from "${OURS.name}";
      const config = await loadConfigFile("port-app-config.yml");
      const index = config.resources.findIndex((r) => r.kind === "repository");
      const mapper = await compileResource(config, index);
      const result = await mapper.map([{ name: "api", full_name: "acme/api", html_url: "u", default_branch: "main", visibility: "private" }]);
      console.log(JSON.stringify(result.entities.map((e) => e.entity.identifier)));
    `;
    writeFileSync(join(project, "map.mjs"), script);
    const { stdout } = await sh(process.execPath, ["map.mjs"]);
    expect(JSON.parse(stdout)).toEqual(["api"]);
  });

  it("synthesizes a plain-JavaScript CDK app with new Tide(stack, ...) from the prebuilt bundles", async () => {
    writeFileSync(
      join(project, "app.mjs"),
      `import { App, Stack } from "aws-cdk-lib";
import { Tide } from "${OURS.name}/cdk";

const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "Consumer");
new Tide(stack, "GitHubToPort", { githubOrg: "acme", schedule: "rate(1 hour)", liveEvents: true });
app.synth();
`,
    );
    await sh(process.execPath, ["app.mjs"]);
    const template = JSON.parse(readFileSync(join(project, "cdk.out", "Consumer.template.json"), "utf8"));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter((r) => r.Type === "AWS::Lambda::Function")
      .map((r) => r.Properties);
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Runtime).toBe("nodejs24.x");
      expect(fn.Handler).toBe("index.handler");
      expect(fn.Architectures).toEqual(["arm64"]);
    }
    const assets = readdirSync(join(project, "cdk.out")).filter((d) => d.startsWith("asset."));
    expect(assets).toHaveLength(4);
    for (const asset of assets) {
      const dir = join(project, "cdk.out", asset);
      expect(readdirSync(dir).sort()).toEqual([
        "build",
        "heap-wrapper.sh",
        "index.mjs",
        "index.mjs.map",
        "port-app-config.yml",
      ]);
      expect(existsSync(join(dir, "build", "jq.wasm"))).toBe(true);
    }
  });
});
