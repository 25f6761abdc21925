import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const biome = join(root, "node_modules", ".bin", "biome");
const fixtures = join(root, "test", "fixtures", "layers");

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string };
}

/** Runs Biome's linter in `cwd` and returns its exit code and JSON diagnostics. */
async function lint(cwd: string, args: string[]): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  const argv = ["lint", "--reporter=json", "--max-diagnostics=200", ...args];
  try {
    const { stdout } = await run(biome, argv, { cwd, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, diagnostics: JSON.parse(stdout).diagnostics };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, diagnostics: JSON.parse(failed.stdout).diagnostics };
  }
}

describe("the layer rules in biome.json", () => {
  let tree: string;

  // The fixture files sit under test/fixtures, where biome.json's per-folder overrides do not
  // apply; laid out at the root of a scratch copy beside the unchanged biome.json, they are
  // linted exactly as a file at lib/port/... would be.
  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), "tide-layers-"));
    await cp(join(root, "biome.json"), join(tree, "biome.json"));
    await cp(join(fixtures, "lib"), join(tree, "lib"), { recursive: true });
    await cp(join(fixtures, "infra"), join(tree, "infra"), { recursive: true });
  });
  afterAll(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it("fails a wrong import, naming the rule, the file and the layer it breaks", async () => {
    const { code, diagnostics } = await lint(tree, ["--vcs-enabled=false", "."]);
    expect(code).not.toBe(0);
    const layered = diagnostics.filter((d) => d.category === "lint/style/noRestrictedImports");
    const byFile = Object.fromEntries(layered.map((d) => [d.location.path, d.message]));
    expect(byFile["lib/port/bad-imports-pipeline.ts"]).toMatch(/lib\/port .* is a leaf/);
    expect(byFile["lib/pipeline/bad-imports-adapter.ts"]).toMatch(/never imports an adapter/);
    expect(byFile["lib/source/github/bad-imports-infra.ts"]).toMatch(/never imports infra\//);
    expect(byFile["lib/cli/bad-imports-infra.ts"]).toMatch(/never imports infra\//);
    // An adapter importing the pipeline is the allowed direction.
    expect(Object.keys(byFile).sort()).toEqual([
      "lib/cli/bad-imports-infra.ts",
      "lib/pipeline/bad-imports-adapter.ts",
      "lib/port/bad-imports-pipeline.ts",
      "lib/source/github/bad-imports-infra.ts",
    ]);
  });

  it("passes the real tree", async () => {
    const { code, diagnostics } = await lint(root, ["lib", "functions", "infra", "bin"]);
    expect(diagnostics.filter((d) => d.category === "lint/style/noRestrictedImports")).toEqual([]);
    expect(code).toBe(0);
  });
});
