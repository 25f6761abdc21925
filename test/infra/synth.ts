import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { TideStack, type TideStackProps } from "../../infra/stack.ts";

/** The mapping the infra tests bundle (the GitHub source's default may not exist yet). */
export const FIXTURE_CONFIG = fileURLToPath(
  new URL("../../infra/test-fixtures/port-app-config.yml", import.meta.url),
);

/** Test entry points: a probe importing every bundled dependency, and a bare handler. */
export const FIXTURE_FANOUT = fileURLToPath(
  new URL("../../infra/test-fixtures/deps-probe.ts", import.meta.url),
);
export const FIXTURE_INGEST = fileURLToPath(new URL("../../infra/test-fixtures/handler.ts", import.meta.url));

export interface Synthesized {
  app: App;
  stack: TideStack;
  template: Template;
  outdir: string;
  /** The logical id CloudFormation sees for a construct (or its default child). */
  logicalId(construct: IConstruct): string;
}

/**
 * Synthesizes a TideStack (with the fixture mapping and entry points, so that these tests do
 * not depend on the runtime code) into a fresh temporary cloud assembly. `bundle: false` skips esbuild
 * (CDK's own switch for `cdk deploy --exclusively`) for tests that only read the template.
 */
export function synthTide(props: TideStackProps = {}, options: { bundle?: boolean } = {}): Synthesized {
  const bundle = options.bundle !== false;
  const outdir = mkdtempSync(join(tmpdir(), "tide-infra-"));
  const context = bundle ? {} : { "aws:cdk:bundling-stacks": [] };
  // Template-only variants also skip CDK's built-in CloudFormation schema check (~2 s); the
  // bundled synth and the app test keep it.
  const app = new App({ outdir, context, builtinCloudFormationValidation: bundle });
  const stack = new TideStack(app, "TideTest", {
    ...props,
    tide: {
      configFile: FIXTURE_CONFIG,
      fanoutEntry: FIXTURE_FANOUT,
      ingestEntry: FIXTURE_INGEST,
      ...props.tide,
    },
  });
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct) =>
    Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  return { app, stack, template, outdir, logicalId };
}

/** Every IAM policy statement of the template, with the policy's logical id. */
export function policyStatements(template: Template): Array<{ policy: string; statement: Statement }> {
  const policies = template.findResources("AWS::IAM::Policy") as Record<
    string,
    { Properties: { PolicyDocument: { Statement: Statement[] } } }
  >;
  return Object.entries(policies).flatMap(([policy, resource]) =>
    resource.Properties.PolicyDocument.Statement.map((statement) => ({ policy, statement })),
  );
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const getAtt = (logicalId: string, attribute = "Arn") => ({ "Fn::GetAtt": [logicalId, attribute] });
export const ref = (logicalId: string) => ({ Ref: logicalId });
