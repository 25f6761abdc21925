import { SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";

export interface LocalSqs {
  client: SQSClient;
  /** The server's address, for `AWS_ENDPOINT_URL_SQS`. */
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  close(): Promise<void>;
}

/** A real SQS-compatible server (fauxqs) on 127.0.0.1 with an ingest queue and its DLQ. */
export async function startSqs(
  options: { maxReceiveCount?: number; visibilityTimeout?: number } = {},
): Promise<LocalSqs> {
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  const dlq = server.createQueue("tide-ingest-dlq");
  const queue = server.createQueue("tide-ingest", {
    attributes: {
      VisibilityTimeout: String(options.visibilityTimeout ?? 30),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount ?? 5,
      }),
    },
  });
  const client = new SQSClient({
    endpoint: server.address,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    client,
    endpoint: server.address,
    queueUrl: queue.queueUrl,
    dlqUrl: dlq.queueUrl,
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}
