import { readFile } from "node:fs/promises";
import type { SourceDefaults } from "../types.ts";
import githubBranch from "./defaults/blueprints/githubBranch.json" with { type: "json" };
import githubCodeScanAlerts from "./defaults/blueprints/githubCodeScanAlerts.json" with { type: "json" };
import githubCollaborator from "./defaults/blueprints/githubCollaborator.json" with { type: "json" };
import githubDependabotAlert from "./defaults/blueprints/githubDependabotAlert.json" with { type: "json" };
import githubDeployment from "./defaults/blueprints/githubDeployment.json" with { type: "json" };
import githubDeploymentStatus from "./defaults/blueprints/githubDeploymentStatus.json" with { type: "json" };
import githubIssue from "./defaults/blueprints/githubIssue.json" with { type: "json" };
import githubOrganization from "./defaults/blueprints/githubOrganization.json" with { type: "json" };
import githubPullRequest from "./defaults/blueprints/githubPullRequest.json" with { type: "json" };
import githubRelease from "./defaults/blueprints/githubRelease.json" with { type: "json" };
import githubRepoEnvironment from "./defaults/blueprints/githubRepoEnvironment.json" with { type: "json" };
import githubRepository from "./defaults/blueprints/githubRepository.json" with { type: "json" };
import githubSecretScanAlert from "./defaults/blueprints/githubSecretScanAlert.json" with { type: "json" };
import githubTag from "./defaults/blueprints/githubTag.json" with { type: "json" };
import githubTeam from "./defaults/blueprints/githubTeam.json" with { type: "json" };
import githubTeamMember from "./defaults/blueprints/githubTeamMember.json" with { type: "json" };
import githubUser from "./defaults/blueprints/githubUser.json" with { type: "json" };
import githubWorkflow from "./defaults/blueprints/githubWorkflow.json" with { type: "json" };
import githubWorkflowRun from "./defaults/blueprints/githubWorkflowRun.json" with { type: "json" };

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

/**
 * Ocean's blueprints for the other kinds (organization, users and team members, collaborators,
 * workflows and runs, tags and releases, branches, environments, deployments and their
 * statuses), each relation's target first — after the defaults, which they may relate to.
 */
export const githubKindBlueprints: ReadonlyArray<Record<string, unknown>> = [
  githubOrganization,
  githubUser,
  githubTeamMember,
  githubCollaborator,
  githubWorkflow,
  githubWorkflowRun,
  githubTag,
  githubRelease,
  githubBranch,
  githubRepoEnvironment,
  githubDeployment,
  githubDeploymentStatus,
];

/** Ocean's documented mapping of those kinds (`defaults/more-kinds.yml`), to copy from. */
export const githubMoreKindsConfig = () =>
  readFile(new URL("./defaults/more-kinds.yml", import.meta.url), "utf8");
