import { writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { CliError, type CliIO, type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { chooseCatalog, integrationIdOf, sourceDefinition } from "../setup-env.ts";

export const configCommand: Command = {
  name: "config",
  summary: "Move the integration's mapping between a file and Port (pull, push)",
  usage: `Usage: tide config pull [--output FILE] [--source NAME]
       tide config push --config FILE [--source NAME]

The mapping (port-app-config) of this integration (TIDE_INTEGRATION_ID) lives in Port: Port's
UI edits it, and every resync, local or deployed, reads it at its start.

  pull   prints Port's mapping as YAML (or writes it to --output FILE)
  push   checks FILE as \`tide validate\` does (schema and every jq expression) and, only if
         it is valid, makes it the integration's mapping in Port (registering the
         integration if Port does not know it yet). A bad file is refused: nothing is sent.

Needs PORT_CLIENT_ID and PORT_CLIENT_SECRET (and PORT_BASE_URL for Port's US region).

Options:
  -o, --output FILE   pull: write the mapping to FILE instead of stdout
  -c, --config FILE   push: the port-app-config.yml to send
      --source NAME   the source (default: TIDE_SOURCE or github)

Examples:
  tide config pull > port-app-config.yml
  tide config push --config port-app-config.yml

Exit codes: 0 done, 1 Port refused or has no mapping, 2 bad usage, settings or an invalid mapping.
`,
  async run(argv, io) {
    const [action, ...rest] = argv;
    if (action !== "pull" && action !== "push") {
      throw new UsageError(action ? `unknown action ${action} (pull or push)` : "config needs pull or push");
    }
    const { values } = parseFlags(rest, {
      output: { type: "string", short: "o" },
      config: { type: "string", short: "c" },
      source: { type: "string" },
    });
    const name = values.source || io.env.TIDE_SOURCE?.trim() || "github";
    sourceDefinition(name); // an unknown source is a usage error before anything is read
    if (action === "push" && !values.config) throw new UsageError("push needs --config FILE");
    if (!io.env.PORT_CLIENT_ID?.trim() || !io.env.PORT_CLIENT_SECRET?.trim()) {
      throw new CliError(
        "PORT_CLIENT_ID and PORT_CLIENT_SECRET must be set: the mapping is kept in Port",
        EXIT.usage,
      );
    }
    const integrationId = integrationIdOf(io, name);
    const { port } = chooseCatalog(io, { integrationId, type: name, dir: "" });
    if (!port) throw new CliError("no Port client", EXIT.usage);
    const { hasPortMapping, fromText } = await import("../../integration/mapping.ts");
    if (action === "pull") {
      const integration = await port.getIntegration();
      if (!hasPortMapping(integration)) {
        throw new CliError(
          integration
            ? `integration "${integrationId}" has no mapping in Port yet: a first resync or \`tide config push\` stores one`
            : `Port has no integration "${integrationId}": a first resync, \`tide setup\` or \`tide config push\` registers it`,
          EXIT.failed,
        );
      }
      const { stringify } = await import("yaml");
      const text = stringify(integration?.config, { lineWidth: 0 });
      if (values.output) {
        await writeFile(at(io, values.output), text);
        io.stderr.write(`tide config: wrote the mapping of "${integrationId}" to ${values.output}\n`);
      } else io.stdout.write(text);
      return EXIT.ok;
    }
    // push: validated in full before anything is sent (a ConfigError exits 2 with every problem).
    const file = values.config as string;
    const { readFile } = await import("node:fs/promises");
    let text: string;
    try {
      text = await readFile(at(io, file), "utf8");
    } catch {
      throw new CliError(`${file}: cannot read the file`, EXIT.usage);
    }
    const mapping = await fromText(text, file, "flag");
    const existing = await port.getIntegration();
    if (existing) await port.putIntegrationConfig(mapping.raw);
    else {
      const { registerIntegration } = await import("../../integration/registration.ts");
      const pkg = (await import("../../../package.json", { with: { type: "json" } })).default;
      await registerIntegration(port, undefined, { type: name, version: pkg.version }, mapping.raw);
    }
    const kinds = mapping.config.resources.map((r) => r.kind).join(", ");
    io.stdout.write(
      `${file}: valid; now the mapping of integration "${integrationId}" in Port (${kinds}); the next resync uses it\n`,
    );
    return EXIT.ok;
  },
};

const at = (io: CliIO, file: string) => (isAbsolute(file) ? file : join(io.cwd, file));
