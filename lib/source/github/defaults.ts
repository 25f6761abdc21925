import { readFile } from "node:fs/promises";
import type { SourceDefaults } from "../types.ts";
import githubCodeScanAlerts from "./defaults/blueprints/githubCodeScanAlerts.json" with { type: "json" };
import githubDependabotAlert from "./defaults/blueprints/githubDependabotAlert.json" with { type: "json" };
import githubIssue from "./defaults/blueprints/githubIssue.json" with { type: "json" };
import githubPullRequest from "./defaults/blueprints/githubPullRequest.json" with { type: "json" };
import githubRepository from "./defaults/blueprints/githubRepository.json" with { type: "json" };
import githubSecretScanAlert from "./defaults/blueprints/githubSecretScanAlert.json" with { type: "json" };
import githubTeam from "./defaults/blueprints/githubTeam.json" with { type: "json" };

/**
 * The blueprints and mapping a new GitHub integration starts with, like Port's own GitHub
 * integration: repositories, teams, pull requests and issues, related to their repository;
 * and Ocean's blueprints for the security alert kinds, which `tide setup` installs when the
 * mapping writes to them (the default mapping does not: they need more GitHub permissions).
 * JSON is imported so that a bundled Lambda carries it; the YAML is read on demand (CLI only).
 */
export const githubDefaults: SourceDefaults = {
  blueprints: [
    githubRepository,
    githubTeam,
    githubPullRequest,
    githubIssue,
    githubDependabotAlert,
    githubCodeScanAlerts,
    githubSecretScanAlert,
  ],
  portAppConfig: () => readFile(new URL("./defaults/port-app-config.yml", import.meta.url), "utf8"),
};
