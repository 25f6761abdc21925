import type { IngestMessage } from "../message.ts";

/** Where the fanout puts batches of raw items for the ingest workers. */
export interface Queue {
  /** Sends every message, or throws; messages are already within the size limit. */
  send(messages: IngestMessage[]): Promise<void>;
}
