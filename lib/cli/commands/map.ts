import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { MapResult, PortAppConfig } from "../../mapping/index.ts";
import { type CliIO, type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { CONFIG_USAGE, configOption, loadConfigFlag } from "../config.ts";

export const mapCommand: Command = {
  name: "map",
  summary: "Show the entities a batch of raw items becomes (no network)",
  usage: `Usage: tide map [--config FILE] [--kind KIND] --input FILE [--json]

A mapping playground: runs the config's jq on raw items (as the source returns them) and
prints the Port entities they become, and why any item was filtered, skipped or failed.
Nothing is read from or written to any system. If several resources have the kind, each
maps the items.

Options:
${CONFIG_USAGE}
  -k, --kind KIND     the resource kind, e.g. repository (default: the config's only kind)
  -i, --input FILE    raw items: a JSON array, one JSON object, or JSON lines; - reads stdin
      --json          print the results as JSON

Examples:
  tide map --config port-app-config.yml --kind repository --input repos.json
  gh api orgs/acme/repos | tide map --kind repository --input - --json

Exit codes: 0 every item mapped (or was filtered or skipped), 1 some items failed,
2 bad usage, input or config.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      ...configOption,
      kind: { type: "string", short: "k" },
      input: { type: "string", short: "i" },
      json: { type: "boolean", default: false },
    });
    if (values.input === undefined) throw new UsageError("--input is required");
    const config = await loadConfigFlag(values.config, io);
    const resources = resourcesOf(config, values.kind);
    const items = await readItems(values.input, io);

    const { compileResource, configWarnings } = await import("../../mapping/index.ts");
    for (const warning of configWarnings(config)) io.stderr.write(`warning: ${warning}\n`);
    const results: Array<{ resource: number; kind: string; items: number } & MapResult> = [];
    for (const index of resources) {
      const mapper = await compileResource(config, index);
      results.push({ resource: index, kind: mapper.kind, items: items.length, ...(await mapper.map(items)) });
    }
    if (values.json) io.stdout.write(`${JSON.stringify({ resources: results }, null, 2)}\n`);
    else for (const result of results) io.stdout.write(describeResult(result));
    return results.some((r) => r.failures.length > 0) ? EXIT.failed : EXIT.ok;
  },
};

function resourcesOf(config: PortAppConfig, kind: string | undefined): number[] {
  const kinds = [...new Set(config.resources.map((r) => r.kind))];
  if (kind === undefined) {
    if (kinds.length === 1) return config.resources.map((_, i) => i);
    throw new UsageError(
      `--kind is required: the config has ${kinds.length ? kinds.join(", ") : "no resources"}`,
    );
  }
  const indexes = config.resources.flatMap((r, i) => (r.kind === kind ? [i] : []));
  if (indexes.length === 0) {
    throw new UsageError(`the config has no resource of kind ${kind} (kinds: ${kinds.join(", ") || "none"})`);
  }
  return indexes;
}

async function readItems(path: string, io: CliIO): Promise<unknown[]> {
  let text: string;
  try {
    text =
      path === "-" ? await readAll(io) : await readFile(isAbsolute(path) ? path : join(io.cwd, path), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read --input ${path}: ${code === "ENOENT" ? "no such file" : (code ?? error)}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed === "") throw new UsageError(`--input ${path} is empty`);
  try {
    const value = JSON.parse(trimmed) as unknown;
    return Array.isArray(value) ? value : [value];
  } catch (error) {
    // Not one JSON document: JSON lines, one item a line.
    const lines = trimmed.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new UsageError(`--input ${path} is not JSON: ${(error as Error).message}`);
    return lines.map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (lineError) {
        throw new UsageError(`--input ${path} line ${i + 1} is not JSON: ${(lineError as Error).message}`);
      }
    });
  }
}

async function readAll(io: CliIO): Promise<string> {
  if (!io.stdin) throw new UsageError("no standard input to read");
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function describeResult(r: { resource: number; kind: string; items: number } & MapResult): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const lines = [
    `resources[${r.resource}] ${r.kind}: ${count(r.items, "item")} → ${count(r.entities.length, "entity", "entities")}, ` +
      `${r.filtered} filtered, ${r.skipped.length} skipped, ${r.failures.length} failed`,
    "",
  ];
  for (const { entity } of r.entities) lines.push(JSON.stringify(entity, null, 2));
  if (r.entities.length > 0) lines.push("");
  const where = (p: { itemIndex: number; elementIndex?: number; key?: string }) =>
    `item ${p.itemIndex}${p.elementIndex === undefined ? "" : `[${p.elementIndex}]`}${p.key === undefined ? "" : ` (${p.key})`}`;
  for (const s of r.skipped) lines.push(`${where(s)} skipped: ${s.reason}`);
  for (const f of r.failures) lines.push(`${where(f)} failed: ${f.field}: ${f.message}`);
  if (r.skipped.length + r.failures.length > 0) lines.push("");
  return `${lines.join("\n")}\n`;
}
