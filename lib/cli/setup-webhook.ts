import { LiveGitHub } from "../live/github-api.ts";
import { ensureOrgWebhook, type OrgWebhookChange } from "../live/org-webhook.ts";
import { eventsForKinds } from "../live/routes.ts";
import type { PortAppConfig } from "../mapping/index.ts";
import { resolveSettings, SettingsError } from "../source/index.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { resolveConfig, sourceDefinition } from "./setup-env.ts";

/**
 * `tide setup --webhook-url URL`: the organization webhook for live events, with the events
 * the config's kinds need and `GITHUB_WEBHOOK_SECRET`. Idempotent.
 */
export async function setupWebhook(
  io: CliIO,
  flags: { url: string; config?: string | PortAppConfig },
): Promise<OrgWebhookChange> {
  let url: URL;
  try {
    url = new URL(flags.url);
  } catch {
    throw new CliError(`--webhook-url: "${flags.url}" is not a URL`, EXIT.usage);
  }
  if (url.protocol !== "https:" && url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
    throw new CliError("--webhook-url must be https:// (GitHub sends the payload to it)", EXIT.usage);
  }
  const secret = io.env.GITHUB_WEBHOOK_SECRET?.trim();
  if (!secret) {
    throw new CliError("GITHUB_WEBHOOK_SECRET must be set: the webhook is created with it", EXIT.usage);
  }
  const definition = sourceDefinition("github");
  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = resolveSettings(definition, io.env);
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
  // Given resolved by `tide setup`, which read the mapping already (and said where from).
  const config =
    typeof flags.config === "object" ? flags.config : await resolveConfig(flags.config, definition, io);
  const events = eventsForKinds(config.resources.map((r) => r.kind));
  return ensureOrgWebhook(LiveGitHub.fromSettings(settings), {
    org: String(settings.GITHUB_ORG),
    url: url.href,
    secret,
    events,
  });
}
