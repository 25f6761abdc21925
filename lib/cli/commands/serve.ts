import { type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { CONFIG_USAGE } from "../config.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "Apply GitHub webhooks to the catalog as they arrive (--local: a server on this machine)",
  usage: `Usage: tide serve --local [--port N] [--config FILE]

Starts an HTTP server on 127.0.0.1 that applies GitHub's webhooks to the catalog within a
second, with the same mapping as a resync:

  POST /webhooks/github   GitHub's webhook (X-Hub-Signature-256 checked with GITHUB_WEBHOOK_SECRET)
  POST /resync            Port's changelog webhook: starts a resync in this process
  GET  /health            liveness, and how many events were applied, ignored or failed

Point a GitHub webhook at it through a tunnel (or let \`tide setup --webhook-url URL\` create
it). It writes to Port when PORT_CLIENT_ID and PORT_CLIENT_SECRET are set, otherwise to a
local file catalog. Objects are read again from GitHub (GITHUB_ORG, GITHUB_TOKEN). In AWS,
the stack's webhook function does this instead (see README, Live events).

Options:
      --local            run the server in this process (required)
  -p, --port N           the port to listen on (default 8000; 0 picks a free one)
${CONFIG_USAGE.replace("(default: ./port-app-config.yml)", "(default: ./port-app-config.yml, else the source's default)")}
      --catalog DIR      the file catalog's folder when Port is not configured (default .tide/catalog)

Examples:
  GITHUB_WEBHOOK_SECRET=... GITHUB_ORG=acme GITHUB_TOKEN=... tide serve --local
  tide serve --local --port 9000 --config port-app-config.yml

Stops on Ctrl-C (SIGINT) or SIGTERM, after applying what was queued.
Exit codes: 0 stopped, 2 bad usage, config or settings.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      local: { type: "boolean", default: false },
      port: { type: "string", short: "p" },
      config: { type: "string", short: "c" },
      catalog: { type: "string", default: ".tide/catalog" },
    });
    if (!values.local) {
      throw new UsageError(
        "serve needs --local: in AWS, the stack's webhook function receives GitHub's webhooks",
      );
    }
    const port = values.port === undefined ? 8000 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
    }
    const { serveHere } = await import("../local-serve.ts");
    await serveHere(io, { port, config: values.config, catalog: values.catalog });
    return EXIT.ok;
  },
};
