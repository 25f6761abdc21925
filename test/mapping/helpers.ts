import { compileResource, loadConfig, type ResourceMapper } from "../../lib/mapping/index.ts";

/** Indents a block of YAML lines under `mappings:`. */
function indent(block: string, spaces: number): string {
  return block
    .trim()
    .split("\n")
    .map((line) => `${" ".repeat(spaces)}${line}`)
    .join("\n");
}

/**
 * A one-resource config: `mappings` is the YAML under `port.entity.mappings`, `port` extra
 * keys under `port` (e.g. itemsToParse).
 */
export function configText(mappings: string, options: { selector?: string; port?: string } = {}): string {
  return `resources:
  - kind: repository
    selector:
      query: ${JSON.stringify(options.selector ?? "true")}
    port:
${options.port ? `${indent(options.port, 6)}\n` : ""}      entity:
        mappings:
${indent(mappings, 10)}
`;
}

/** Compiles a one-resource mapping. */
export async function mapperFor(
  mappings: string,
  options: { selector?: string; port?: string } = {},
): Promise<ResourceMapper> {
  return compileResource(loadConfig(configText(mappings, options)), 0);
}

/** The entities of mapping `items`, and everything else the mapper said. */
export async function mapWith(
  mappings: string,
  items: unknown[],
  options: { selector?: string; port?: string } = {},
) {
  return (await mapperFor(mappings, options)).map(items);
}
