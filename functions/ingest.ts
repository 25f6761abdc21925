// Placeholder until the pipeline lands (issue 5): the CDK stack bundles this entry point.
export const handler = async (): Promise<void> => {
  throw new Error("ingest is not wired yet");
};
