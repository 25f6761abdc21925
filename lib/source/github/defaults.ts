import { readFile } from "node:fs/promises";
import type { SourceDefaults } from "../types.ts";
import githubIssue from "./defaults/blueprints/githubIssue.json" with { type: "json" };
import githubPullRequest from "./defaults/blueprints/githubPullRequest.json" with { type: "json" };
import githubRepository from "./defaults/blueprints/githubRepository.json" with { type: "json" };
import githubTeam from "./defaults/blueprints/githubTeam.json" with { type: "json" };

/**
 * The blueprints and mapping a new GitHub integration starts with, like Port's own GitHub
 * integration: repositories, teams, pull requests and issues, related to their repository.
 * JSON is imported so that a bundled Lambda carries it; the YAML is read on demand (CLI only).
 */
export const githubDefaults: SourceDefaults = {
  blueprints: [githubRepository, githubTeam, githubPullRequest, githubIssue],
  portAppConfig: () => readFile(new URL("./defaults/port-app-config.yml", import.meta.url), "utf8"),
};
