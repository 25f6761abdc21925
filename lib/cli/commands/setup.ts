import type { Blueprint } from "../../port/blueprint.ts";
import type { PortClient } from "../../port/client.ts";
import { ensureBlueprints } from "../../port/setup.ts";
import type { SourceDefinition } from "../../source/types.ts";
import { CliError, type CliIO, type Command, EXIT, parseFlags } from "../command.ts";
import { blueprintsForConfig } from "../setup-blueprints.ts";
import { chooseCatalog, integrationIdOf, loadSourceFlag, resolveConfig } from "../setup-env.ts";

export const setupCommand: Command = {
  name: "setup",
  summary: "Create or update in Port the blueprints the mapping uses, and register the integration",
  usage: `Usage: tide setup [--source NAME] [--json] [--config FILE] [--resync-url URL] [--webhook-url URL]

Creates in Port the source's default blueprints that the mapping writes to (and those
their relations point at), or adds to existing ones the properties and relations they
lack. With the GitHub source's default mapping: githubRepository, githubTeam,
githubPullRequest, githubIssue; a mapping with dependabot-alert to githubDependabotAlert
adds that one. It never removes or changes what is there: running it again changes
nothing. A blueprint the mapping writes that is not a default one is named, for you to
create. Needs PORT_CLIENT_ID and PORT_CLIENT_SECRET (and PORT_BASE_URL for Port's US
region: https://api.us.port.io).

It also registers the integration in Port (TIDE_INTEGRATION_ID, the source as its type, this
version), with a mapping when Port holds none (--config, else ./port-app-config.yml, else the
source's default); a mapping already in Port is never overwritten. With --resync-url, Port's
Resync button and mapping edits post there (e.g. \`tide serve --local\` behind a tunnel:
https://<tunnel>/resync); the deployed stack sets its own.

With --webhook-url (or TIDE_WEBHOOK_URL), it also creates or updates the GitHub
organization webhook for live events: that URL, GITHUB_WEBHOOK_SECRET, and the events the
config's kinds need (the token needs admin:org_hook).

Options:
      --source NAME       the source: github, http, a module file (./my-source.mjs) or a package
                          (default: TIDE_SOURCE or github)
      --json              print what was done as JSON
      --resync-url URL    Port's changelog destination (its Resync button), e.g. https://<tunnel>/resync
      --webhook-url URL   the live-events endpoint, e.g. https://<function url>/webhooks/github
  -c, --config FILE       the mapping whose blueprints (and kinds, for the webhook's events) count (default: ./port-app-config.yml, else the source's default)

Examples:
  PORT_CLIENT_ID=... PORT_CLIENT_SECRET=... tide setup
  PORT_CLIENT_ID=... PORT_CLIENT_SECRET=... tide setup --source ./users-api.mjs
  GITHUB_WEBHOOK_SECRET=... tide setup --webhook-url https://abc.lambda-url.eu-west-1.on.aws/webhooks/github

Exit codes: 0 done, 1 Port refused, 2 bad usage or settings.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      source: { type: "string" },
      json: { type: "boolean", default: false },
      "webhook-url": { type: "string" },
      "resync-url": { type: "string" },
      config: { type: "string", short: "c" },
    });
    const webhookUrl = values["webhook-url"] || io.env.TIDE_WEBHOOK_URL?.trim();
    const definition = await loadSourceFlag(values.source || io.env.TIDE_SOURCE?.trim() || "github", io);
    const name = definition.name;
    if (!io.env.PORT_CLIENT_ID?.trim() || !io.env.PORT_CLIENT_SECRET?.trim()) {
      throw new CliError(
        "PORT_CLIENT_ID and PORT_CLIENT_SECRET must be set: setup writes blueprints to Port",
        EXIT.usage,
      );
    }
    const { port } = chooseCatalog(io, { integrationId: integrationIdOf(io, name), type: name, dir: "" });
    if (!port || !definition.defaults || definition.defaults.blueprints.length === 0)
      throw new CliError(`the ${name} source has no default blueprints`, EXIT.usage);
    const config = await resolveConfig(values.config, definition, io);
    const chosen = blueprintsForConfig(definition.defaults.blueprints as unknown as Blueprint[], config);
    for (const id of chosen.notDefault) {
      io.stderr.write(
        `tide: the mapping writes to blueprint ${id}, not a default ${name} blueprint: create it in Port\n`,
      );
    }
    for (const resource of chosen.computed) {
      io.stderr.write(`tide: resource ${resource} computes its blueprint per item: none installed for it\n`);
    }
    const changes = await ensureBlueprints(port, chosen.blueprints);
    const integration = await registerHere(io, port, definition, {
      config: values.config,
      resyncUrl: values["resync-url"],
    });
    const { setupWebhook } = await import("../setup-webhook.ts");
    const webhook = webhookUrl ? await setupWebhook(io, { url: webhookUrl, config }) : undefined;
    if (values.json)
      io.stdout.write(
        `${JSON.stringify([...changes, { integration }, ...(webhook ? [{ webhook }] : [])], null, 2)}\n`,
      );
    else {
      for (const c of changes) {
        const detail = c.added.length > 0 ? ` (added ${c.added.join(", ")})` : "";
        io.stdout.write(`${c.identifier}: ${c.action}${detail}\n`);
      }
      const stored = integration.storedMapping ? `, mapping from ${integration.storedMapping}` : "";
      io.stdout.write(`integration ${integration.id}: ${integration.action}${stored}\n`);
      if (webhook) {
        io.stdout.write(
          `webhook ${webhook.id} → ${webhook.url}: ${webhook.action} (${webhook.events.join(", ")})\n`,
        );
      }
    }
    return EXIT.ok;
  },
};

/** Registers the installation in Port; a mapping goes with it only when Port holds none. */
async function registerHere(
  io: CliIO,
  port: PortClient,
  definition: SourceDefinition,
  options: { config?: string; resyncUrl?: string },
) {
  const { chooseMapping, hasPortMapping } = await import("../../integration/mapping.ts");
  const { registerIntegration } = await import("../../integration/registration.ts");
  const pkg = (await import("../../../package.json", { with: { type: "json" } })).default;
  const existing = await port.getIntegration();
  const defaults = definition.defaults;
  const mapping = hasPortMapping(existing)
    ? undefined
    : await chooseMapping({
        flagFile: options.config,
        localFile: "port-app-config.yml",
        cwd: io.cwd,
        integrationId: port.integrationId,
        sourceDefault: defaults ? { name: definition.name, text: () => defaults.portAppConfig() } : undefined,
      });
  const { action } = await registerIntegration(
    port,
    existing,
    { type: definition.name, version: pkg.version, changelogUrl: options.resyncUrl },
    mapping?.raw,
  );
  if (existing && mapping) await port.putIntegrationConfig(mapping.raw);
  return { id: port.integrationId, action, storedMapping: mapping?.description };
}
