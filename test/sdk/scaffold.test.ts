import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, symlink } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tide } from "../support/tide-cli.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `node --test` in a directory, as the scaffold's README says. */
function nodeTest(cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--test"], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("tide new source NAME", () => {
  it("scaffolds a module whose own test passes, and which resyncs as it is", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "tide-new-"));
    const made = await tide(["new", "source", "catalog-demo"], { cwd });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(
      `next: cd catalog-demo && npm install ${ROOT.replace(/\/$/, "")} && node --test`,
    );
    const dir = join(cwd, "catalog-demo");
    expect((await readdir(dir)).sort()).toEqual([
      "blueprints.json",
      "catalog-demo.mjs",
      "catalog-demo.test.mjs",
      "package.json",
      "port-app-config.yml",
    ]);
    // What `npm install <folder>` does: a link to this checkout.
    await mkdir(join(dir, "node_modules"));
    await symlink(ROOT, join(dir, "node_modules", "tide"), "dir");

    const ownTest = await nodeTest(dir);
    expect(ownTest.output).toMatch(/pass 2\n.*fail 0/);
    expect(ownTest.code, ownTest.output).toBe(0);

    const items = Array.from({ length: 120 }, (_, i) => ({ id: `i${i}`, name: `Item ${i}` }));
    const server = createServer((req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      const page = Number(q.get("page"));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(items.slice((page - 1) * 100, page * 100)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const env = { CATALOG_DEMO_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      const run = await tide(["resync", "--local", "--source", "./catalog-demo.mjs"], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
      const written = JSON.parse(await readFile(join(dir, ".tide/catalog/catalogDemoItem.json"), "utf8"));
      expect(written).toHaveLength(120);
    } finally {
      server.close();
    }
  });

  it("refuses a bad name and a directory that is not empty", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "tide-new-"));
    const bad = await tide(["new", "source", "Users API"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/use lowercase letters, digits and dashes/);
    expect((await tide(["new", "source", "x1"], { cwd })).code).toBe(0);
    const again = await tide(["new", "source", "x1"], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/x1 is not empty: nothing written/);
  });
});
