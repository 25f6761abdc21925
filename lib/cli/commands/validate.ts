import { type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { CONFIG_USAGE, configOption, loadConfigFlag } from "../config.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a port-app-config.yml: its schema, every jq expression and its kinds",
  usage: `Usage: tide validate [--config FILE] [--source NAME]

Checks a port-app-config.yml without touching any system: the schema (Port Ocean's, with
its defaults), that every jq expression compiles (single-quoted strings rewritten as Ocean
does), that value prefixes are ones Tide supports (file://), and that every resource's kind
is one the source has. Each problem is printed on its own line with its path and line
number. Keys Ocean ignores are ignored too, each named in a warning.

Options:
${CONFIG_USAGE}
      --source NAME   the source whose kinds the config may use (default: TIDE_SOURCE or github)

Examples:
  tide validate
  tide validate --config deploy/port-app-config.yml --source github

Exit codes: 0 valid (warnings or not), 2 any problem.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { ...configOption, source: { type: "string" } });
    const config = await loadConfigFlag(values.config, io);
    const { compileConfig, configSource, configWarnings, ConfigError } = await import(
      "../../mapping/index.ts"
    );
    for (const warning of configWarnings(config)) io.stderr.write(`warning: ${warning}\n`);
    await compileConfig(config); // throws a ConfigError listing every expression that does not compile

    const sourceName = values.source || io.env.TIDE_SOURCE?.trim() || "github";
    const { builtInSources } = await import("../../source/registry.ts");
    const definition = Object.hasOwn(builtInSources, sourceName) ? builtInSources[sourceName] : undefined;
    if (!definition) {
      throw new UsageError(
        `unknown source ${sourceName} (sources: ${Object.keys(builtInSources).join(", ")})`,
      );
    }
    const known = definition.kinds;
    if (known) {
      const source = configSource(config);
      const issues = config.resources.flatMap((resource, index) => {
        if (known.includes(resource.kind)) return [];
        return [
          {
            path: `resources[${index}].kind`,
            line: source.lineOf(["resources", index, "kind"]),
            message: `"${resource.kind}" is not a kind of the ${sourceName} source (its kinds: ${known.join(", ")})`,
          },
        ];
      });
      if (issues.length > 0) throw new ConfigError(source.fileName, issues);
    }

    const kinds = config.resources.map((r) => r.kind);
    const listed = kinds.length > 0 ? ` (${kinds.join(", ")})` : "";
    io.stdout.write(
      `${values.config}: valid for the ${sourceName} source, ${kinds.length} resource${kinds.length === 1 ? "" : "s"}${listed}\n`,
    );
    return EXIT.ok;
  },
};
