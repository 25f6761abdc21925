import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** A deliberate cdk-nag finding: the full finding id, e.g. `AwsSolutions-IAM5[Resource::*]`. */
export interface Acknowledgement {
  readonly id: string;
  /** Why it is safe here, for the reviewer reading the code or the validation report. */
  readonly reason: string;
}

/** Records an acknowledgement on a construct (cdk-nag v3 reads it from the construct tree). */
export function acknowledge(scope: IConstruct, ...acknowledgements: Acknowledgement[]): void {
  for (const { id, reason } of acknowledgements) {
    if (reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${id} needs a real reason`);
    Validations.of(scope).acknowledge({ id, reason });
  }
}
