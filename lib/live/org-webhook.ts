import type { LiveGitHub, OrgHook } from "./github-api.ts";

export interface OrgWebhookOptions {
  org: string;
  /** Where GitHub posts: the stack's Function URL + `/webhooks/github`, or a tunnel to `tide serve`. */
  url: string;
  /** `GITHUB_WEBHOOK_SECRET`. */
  secret: string;
  /** The events the config needs (see `eventsForKinds`). */
  events: string[];
}

export interface OrgWebhookChange {
  action: "created" | "updated" | "unchanged";
  id: number;
  url: string;
  events: string[];
}

/**
 * Creates the organization webhook that feeds live events, or brings the one pointing at `url`
 * up to date (events, active, JSON, secret). Running it again changes nothing. GitHub never shows
 * a secret back, so the secret is sent again with every update; `unchanged` means nothing else differed.
 *
 * @example
 * const change = await ensureOrgWebhook(github, { org: "acme", url, secret, events: eventsForKinds(["repository"]) });
 */
export async function ensureOrgWebhook(
  github: LiveGitHub,
  options: OrgWebhookOptions,
): Promise<OrgWebhookChange> {
  const events = [...new Set(options.events)].sort();
  const body = {
    active: true,
    events,
    config: {
      url: options.url,
      content_type: "json" as const,
      insecure_ssl: "0" as const,
      secret: options.secret,
    },
  };
  const hooks = await github.listOrgHooks(options.org);
  const existing = hooks.find((h) => h.config?.url === options.url);
  if (!existing) {
    const created = await github.createOrgHook(options.org, body);
    return { action: "created", id: created.id, url: options.url, events };
  }
  await github.updateOrgHook(options.org, existing.id, body);
  return {
    action: differs(existing, events) ? "updated" : "unchanged",
    id: existing.id,
    url: options.url,
    events,
  };
}

function differs(hook: OrgHook, events: string[]): boolean {
  const had = [...hook.events].sort();
  return (
    !hook.active ||
    hook.config.content_type !== "json" ||
    had.length !== events.length ||
    had.some((e, i) => e !== events[i])
  );
}
