import type { Blueprint } from "../../port/blueprint.ts";
import { ensureBlueprints } from "../../port/setup.ts";
import { CliError, type Command, EXIT, parseFlags } from "../command.ts";
import { blueprintsForConfig } from "../setup-blueprints.ts";
import { chooseCatalog, integrationIdOf, loadSourceFlag, resolveConfig } from "../setup-env.ts";

export const setupCommand: Command = {
  name: "setup",
  summary: "Create or update in Port the source's default blueprints the mapping uses",
  usage: `Usage: tide setup [--source NAME] [--json] [--config FILE] [--webhook-url URL]

Creates in Port the source's default blueprints that the mapping writes to (and those
their relations point at), or adds to existing ones the properties and relations they
lack. With the GitHub source's default mapping: githubRepository, githubTeam,
githubPullRequest, githubIssue; a mapping with dependabot-alert to githubDependabotAlert
adds that one. It never removes or changes what is there: running it again changes
nothing. A blueprint the mapping writes that is not a default one is named, for you to
create. Needs PORT_CLIENT_ID and PORT_CLIENT_SECRET (and PORT_BASE_URL for Port's US
region: https://api.us.port.io).

With --webhook-url (or TIDE_WEBHOOK_URL), it also creates or updates the GitHub
organization webhook for live events: that URL, GITHUB_WEBHOOK_SECRET, and the events the
config's kinds need (the token needs admin:org_hook).

Options:
      --source NAME       the source: github, http, a module file (./my-source.mjs) or a package
                          (default: TIDE_SOURCE or github)
      --json              print what was done as JSON
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
    const { setupWebhook } = await import("../setup-webhook.ts");
    const webhook = webhookUrl ? await setupWebhook(io, { url: webhookUrl, config }) : undefined;
    if (values.json)
      io.stdout.write(`${JSON.stringify(webhook ? [...changes, { webhook }] : changes, null, 2)}\n`);
    else {
      for (const c of changes) {
        const detail = c.added.length > 0 ? ` (added ${c.added.join(", ")})` : "";
        io.stdout.write(`${c.identifier}: ${c.action}${detail}\n`);
      }
      if (webhook) {
        io.stdout.write(
          `webhook ${webhook.id} → ${webhook.url}: ${webhook.action} (${webhook.events.join(", ")})\n`,
        );
      }
    }
    return EXIT.ok;
  },
};
