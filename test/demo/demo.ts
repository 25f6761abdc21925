/**
 * `npm run demo`: Tide end to end on this machine, offline. A local GitHub (an org of about
 * 1,000 repositories and 5,000 pull requests) and a local Port start in this process; the
 * real `tide` command runs against them twice, the second time after the org changed, to
 * show updates and deletions. Exits non-zero if any step fails.
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGitHubFake } from "../fakes/github/index.ts";
import { startPortFake } from "../fakes/port/index.ts";

const TIDE = new URL("../../bin/tide.js", import.meta.url).pathname;
const say = (text: string) => process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);

const github = await startGitHubFake({
  org: "acme",
  repos: 1000,
  pullsPerRepo: 5,
  issuesPerRepo: 2,
  teams: 25,
  seed: 2026,
  // Every repository's pull requests are open, so the demo's numbers are easy to follow.
  pullState: () => "open",
  latencyMs: 2,
  rateLimit: { limit: 1_000_000 },
});
const port = await startPortFake({ integrations: [{ identifier: "demo-github", config: {} }] });
const cwd = await mkdtemp(join(tmpdir(), "tide-demo-"));
const env = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  GITHUB_ORG: github.org.login,
  GITHUB_TOKEN: github.token,
  GITHUB_API_URL: github.url,
  PORT_CLIENT_ID: port.credentials.clientId,
  PORT_CLIENT_SECRET: port.credentials.clientSecret,
  PORT_BASE_URL: port.url,
  TIDE_INTEGRATION_ID: "demo-github",
};

function tide(...args: string[]): Promise<number> {
  process.stdout.write(`$ tide ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TIDE, ...args], { cwd, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

const count = (blueprint: string) => port.entities(blueprint).length;
const started = Date.now();
let failed = false;
try {
  say(
    `A local GitHub org "${github.org.login}" (${github.org.repoNames().length} repositories) and a local Port are up.`,
  );
  say("Create the GitHub blueprints in Port");
  failed ||= (await tide("setup")) !== 0;

  say("First resync: everything is new");
  failed ||= (await tide("resync", "--local", "--concurrency", "8")) !== 0;
  process.stdout.write(
    `Port now holds ${count("githubRepository")} repositories, ${count("githubPullRequest")} pull requests, ` +
      `${count("githubIssue")} issues, ${count("githubTeam")} teams.\n`,
  );

  say("The org changes: 40 repositories deleted, 10 created, 3 renamed, 25 pull requests retitled");
  const removed = github.org.removeRepos(40);
  github.org.addRepos(10);
  const renamed = github.org.repoNames().slice(100, 103);
  for (const name of renamed) github.org.renameRepo(name, `${name}-renamed`);
  for (const repo of github.org.repoNames().slice(10, 35)) {
    const [pull] = github.org.pulls(repo, "open") as Array<{ number: number }>;
    if (pull) github.org.updatePull(repo, pull.number, { title: `Retitled in the demo (${repo})` });
  }

  say("What would a resync do? (--plan writes nothing)");
  failed ||= (await tide("resync", "--local", "--plan", "--kinds", "repository")) !== 0;

  say("Second resync: updates, and the stale entities deleted");
  failed ||= (await tide("resync", "--local", "--concurrency", "8")) !== 0;
  const gone = [...removed, ...renamed].filter((name) => port.entity("githubRepository", name)).length;
  process.stdout.write(
    `Port now holds ${count("githubRepository")} repositories (GitHub has ${github.org.repoNames().length}); ` +
      `${removed.length + renamed.length - gone} of the ${removed.length} deleted and ${renamed.length} renamed repositories' old entities are gone from Port.\n`,
  );
  if (gone > 0 || count("githubRepository") !== github.org.repoNames().length) failed = true;
} finally {
  await Promise.all([github.close(), port.close()]);
}
say(`Demo ${failed ? "FAILED" : "finished"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
