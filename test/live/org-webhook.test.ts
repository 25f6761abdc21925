import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveGitHub } from "../../lib/live/github-api.ts";
import { ensureOrgWebhook } from "../../lib/live/org-webhook.ts";
import { eventsForKinds } from "../../lib/live/routes.ts";
import { type GitHubFake, startGitHubFake } from "../fakes/github/index.ts";

let github: GitHubFake;
let api: LiveGitHub;

beforeAll(async () => {
  github = await startGitHubFake({ repos: 1, seed: 3 });
  api = new LiveGitHub({ apiUrl: github.url, token: github.token });
});
afterAll(async () => {
  await github?.close();
});

describe("the organization webhook", () => {
  it("asks for the events of the kinds a config maps, and those of kinds to come", () => {
    expect(eventsForKinds(["repository", "pull-request", "issue", "team"])).toEqual([
      "issues",
      "member",
      "membership",
      "pull_request",
      "repository",
      "team",
    ]);
    expect(eventsForKinds(["workflow-run", "branch", "dependabot-alert"])).toEqual([
      "create",
      "delete",
      "dependabot_alert",
      "workflow_run",
    ]);
  });

  it("is created once, then left as it is, and updated when the events change", async () => {
    const options = {
      org: github.org.login,
      url: "https://hooks.example.test/webhooks/github",
      secret: "s3cret",
      events: eventsForKinds(["repository", "pull-request"]),
    };
    const first = await ensureOrgWebhook(api, options);
    expect(first).toMatchObject({ action: "created", events: ["member", "pull_request", "repository"] });
    expect(await ensureOrgWebhook(api, options)).toMatchObject({ action: "unchanged", id: first.id });
    const more = await ensureOrgWebhook(api, { ...options, events: eventsForKinds(["repository", "team"]) });
    expect(more).toMatchObject({ action: "updated", id: first.id });
    expect(github.hooks).toHaveLength(1);
    expect(github.hooks[0]).toMatchObject({
      active: true,
      events: ["member", "membership", "repository", "team"],
      config: { url: options.url, content_type: "json", insecure_ssl: "0", secret: "s3cret" },
    });
    const shown = await api.listOrgHooks(github.org.login);
    expect(shown[0]?.config.secret).toBe("********");
  });

  it("names the permission when GitHub refuses", async () => {
    await expect(api.listOrgHooks("someone-else")).rejects.toThrow(/answered 404.*admin:org_hook/);
  });
});
