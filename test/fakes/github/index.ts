export { FakeOrg, type ItemState, type OrgOptions } from "./model.ts";
export type { CicdModel, CicdOptions } from "./objects-cicd.ts";
export { FakeContents } from "./routes-content.ts";
export { FakeSecurity, type SecurityFeature } from "./routes-security.ts";
export {
  type Fault,
  type GitHubFake,
  type GitHubFakeOptions,
  type GitHubFakeStats,
  startGitHubFake,
} from "./server.ts";
export { startGitHubFakeWorker, type WorkerFakeOptions, type WorkerGitHubFake } from "./worker.ts";
