import { type Command, EXIT, parseFlags } from "../command.ts";
import { CONFIG_USAGE, configOption, loadConfigFlag } from "../config.ts";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a port-app-config.yml: its schema and every jq expression",
  usage: `Usage: tide validate [--config FILE]

Checks a port-app-config.yml without touching any system: the schema (Port Ocean's, with
its defaults) and that every jq expression compiles. Each problem is printed on its own
line with its path and line number.

Options:
${CONFIG_USAGE}

Examples:
  tide validate
  tide validate --config deploy/port-app-config.yml

Exit codes: 0 valid, 2 any problem.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, { ...configOption });
    const config = await loadConfigFlag(values.config, io);
    const { compileConfig } = await import("../../mapping/index.ts");
    await compileConfig(config); // throws a ConfigError listing every expression that does not compile
    const kinds = config.resources.map((r) => r.kind);
    const listed = kinds.length > 0 ? ` (${kinds.join(", ")})` : "";
    io.stdout.write(
      `${values.config}: valid, ${kinds.length} resource${kinds.length === 1 ? "" : "s"}${listed}\n`,
    );
    return EXIT.ok;
  },
};
