import type { Blueprint } from "../../port/blueprint.ts";
import { ensureBlueprints } from "../../port/setup.ts";
import { CliError, type Command, EXIT, parseFlags } from "../command.ts";
import { chooseCatalog, integrationIdOf, sourceDefinition } from "../setup-env.ts";

export const setupCommand: Command = {
  name: "setup",
  summary: "Create or update the source's default blueprints in Port",
  usage: `Usage: tide setup [--source NAME] [--json]

Creates the blueprints the source's default mapping writes (GitHub: githubRepository,
githubTeam, githubPullRequest, githubIssue) in Port, or adds to existing ones the
properties and relations they lack. It never removes or changes what is there: running
it again changes nothing. Needs PORT_CLIENT_ID and PORT_CLIENT_SECRET (and PORT_BASE_URL
for Port's US region: https://api.us.port.io).

Options:
      --source NAME   the source (default: TIDE_SOURCE or github)
      --json          print what was done as JSON

Examples:
  PORT_CLIENT_ID=... PORT_CLIENT_SECRET=... tide setup

Exit codes: 0 done, 1 Port refused, 2 bad usage or settings.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      source: { type: "string" },
      json: { type: "boolean", default: false },
    });
    const name = values.source || io.env.TIDE_SOURCE?.trim() || "github";
    const definition = sourceDefinition(name);
    if (!io.env.PORT_CLIENT_ID?.trim() || !io.env.PORT_CLIENT_SECRET?.trim()) {
      throw new CliError(
        "PORT_CLIENT_ID and PORT_CLIENT_SECRET must be set: setup writes blueprints to Port",
        EXIT.usage,
      );
    }
    const { port } = chooseCatalog(io, { integrationId: integrationIdOf(io, name), type: name, dir: "" });
    if (!port || !definition.defaults)
      throw new CliError(`the ${name} source has no default blueprints`, EXIT.usage);
    const changes = await ensureBlueprints(port, definition.defaults.blueprints as unknown as Blueprint[]);
    if (values.json) io.stdout.write(`${JSON.stringify(changes, null, 2)}\n`);
    else {
      for (const c of changes) {
        const detail = c.added.length > 0 ? ` (added ${c.added.join(", ")})` : "";
        io.stdout.write(`${c.identifier}: ${c.action}${detail}\n`);
      }
    }
    return EXIT.ok;
  },
};
