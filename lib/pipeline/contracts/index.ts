/**
 * What the pipeline speaks to, one concept a file, so the same fanout, ingest and
 * reconcile code runs in Lambda (SQS, DynamoDB, Lambda, Port), in one process for
 * `tide resync --local`, and in tests. Adapters (lib/aws, lib/local, lib/catalog) implement them.
 */
export type * from "./catalog.ts";
export type * from "./content-hashes.ts";
export type * from "./invoker.ts";
export type * from "./partition-memos.ts";
export type * from "./queue.ts";
export type * from "./run-store.ts";
