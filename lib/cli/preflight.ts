import type { PortAppConfig } from "../mapping/index.ts";
import { literalBlueprint } from "../pipeline/blueprints.ts";
import type { PortClient } from "../port/index.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";

/**
 * Before a run (or a plan) writes to Port: the blueprints its mapping names (literally) must
 * exist. When none does, every write would fail: say so first, suggest `tide setup`, and stop
 * (exit 2) instead of 2,000 "blueprint not found" failures. When some are missing, warn.
 *
 * @example
 * await checkBlueprints(io, port, config, ["repository"]);
 */
export async function checkBlueprints(
  io: CliIO,
  port: Pick<PortClient, "getBlueprint">,
  config: PortAppConfig,
  kinds?: string[],
): Promise<void> {
  const wanted = new Map<string, string[]>();
  for (const resource of config.resources) {
    if (kinds && !kinds.includes(resource.kind)) continue;
    const blueprint = literalBlueprint(resource.port.entity.mappings.blueprint);
    if (blueprint) wanted.set(blueprint, [...(wanted.get(blueprint) ?? []), resource.kind]);
  }
  if (wanted.size === 0) return;
  const missing: string[] = [];
  await Promise.all(
    [...wanted.keys()].map(async (blueprint) => {
      if (!(await port.getBlueprint(blueprint))) missing.push(blueprint);
    }),
  );
  missing.sort();
  const list = missing.map((b) => `${b} (kind ${wanted.get(b)?.join(", ")})`).join(", ");
  if (missing.length === wanted.size) {
    throw new CliError(
      `no blueprint this mapping writes exists in Port: ${list}. Every write would fail; create them first with: tide setup`,
      EXIT.usage,
    );
  }
  if (missing.length > 0) {
    io.stderr.write(
      `tide: missing in Port: ${list}; those entities will fail. Create the blueprints with: tide setup\n`,
    );
  }
}
