import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { TideError } from "../../lib/errors.ts";
import { ConfigError } from "../../lib/mapping/index.ts";
import { PortApiError } from "../../lib/port/index.ts";

const lib = fileURLToPath(new URL("../../lib", import.meta.url));

/** Every `export class XxxError` under lib/, found by reading the sources (so a new one is checked too). */
async function publicErrors(): Promise<Array<{ file: string; name: string; cls: unknown }>> {
  const found: Array<{ file: string; name: string; cls: unknown }> = [];
  for (const entry of await readdir(lib, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const path = join(entry.parentPath, entry.name);
    const names = [...(await readFile(path, "utf8")).matchAll(/^export class (\w+Error)\b/gm)].map(
      (m) => m[1],
    );
    if (names.length === 0) continue;
    const module = (await import(path)) as Record<string, unknown>;
    for (const name of names)
      found.push({ file: relative(lib, path), name: name as string, cls: module[name as string] });
  }
  return found;
}

it("every public error in lib/ extends TideError", async () => {
  const errors = await publicErrors();
  expect(errors.length).toBeGreaterThanOrEqual(20);
  const notTide = errors.filter(
    ({ name, cls }) =>
      name !== "TideError" && !(typeof cls === "function" && cls.prototype instanceof TideError),
  );
  expect(notTide.map(({ file, name }) => `${file}: ${name}`)).toEqual([]);
});

it("a thrown error is still its own class, with its name, message and fields", () => {
  const error = new ConfigError("port-app-config.yml", [{ path: "resources[0].kind", message: "required" }]);
  expect(error).toBeInstanceOf(TideError);
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.name).toBe("ConfigError");
  expect(error.issues).toHaveLength(1);
  expect(error.message).toContain("resources[0].kind: required");
  expect(Object.getPrototypeOf(PortApiError.prototype)).toBe(TideError.prototype);
});
