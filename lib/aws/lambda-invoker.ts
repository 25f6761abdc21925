import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { StartEvent } from "../pipeline/fanout.ts";
import type { ContinueEvent, Invoker } from "../pipeline/ports.ts";

/**
 * Continues a fanout in a new invocation of the same function (`InvocationType: Event`),
 * so a resync of any length finishes: each invocation picks up from the saved cursors.
 */
export class LambdaInvoker implements Invoker {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.#client = client;
    this.#functionName = functionName;
  }

  /** Starts a new run (Port's changelog webhook, after it took the run lock for `event.runId`). */
  async startFanout(event: StartEvent): Promise<void> {
    await this.#invoke(event, `could not start run ${event.runId}`);
  }

  async continueFanout(event: ContinueEvent): Promise<void> {
    await this.#invoke(event, `could not continue run ${event.runId}`);
  }

  async #invoke(event: StartEvent | ContinueEvent, failure: string): Promise<void> {
    const result = await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    if (result.StatusCode !== 202) {
      throw new Error(`${failure}: Lambda answered ${result.StatusCode}`);
    }
  }
}
