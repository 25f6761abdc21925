// The standalone Tide app: `npx cdk deploy [-c key=value ...]` (keys: infra/context.ts).
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { tideSettingsFromContext } from "./context.ts";
import { assertMappingCompiles } from "./mapping-check.ts";
import { TIDE_DEFAULTS } from "./props.ts";
import { TideStack } from "./stack.ts";

const app = new App();
const { stackName, ...props } = tideSettingsFromContext(app.node);
// Every jq expression compiles, or synth stops here with the file, field and line.
await assertMappingCompiles(props.tide?.configFile ?? TIDE_DEFAULTS.configFile);
// Environment-agnostic unless the CLI knows the account: synth needs no credentials or lookups.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const env = account ? { account, region: process.env.CDK_DEFAULT_REGION } : undefined;
new TideStack(app, stackName, { ...props, ...(env ? { env } : {}) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
