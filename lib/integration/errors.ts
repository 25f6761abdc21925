import { TideError } from "../errors.ts";

/** The common base of what goes wrong between Tide and its integration in Port. */
export class IntegrationError extends TideError {
  override readonly name: string = "IntegrationError";
}

/**
 * The mapping stored in Port (edited in Port's UI or pushed) cannot be used: the run fails
 * before anything is written. `problems` lists each issue with its path, as `tide validate` does.
 */
export class PortMappingError extends IntegrationError {
  override readonly name = "PortMappingError";
  readonly integrationId: string;
  readonly problems: string[];

  constructor(integrationId: string, problems: string[]) {
    super(
      `the mapping of integration "${integrationId}" in Port is invalid; nothing was written:\n  ${problems.join("\n  ")}`,
    );
    this.integrationId = integrationId;
    this.problems = problems;
  }
}
