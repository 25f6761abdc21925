/**
 * AWS's published on-demand prices in us-east-1 (USD), as listed on each service's pricing page
 * in 2025, without free tiers (an account's free tier is shared with everything else it runs).
 * Lambda on ARM64, as the stack deploys it. Prices change: these are the model's inputs, not facts
 * about your bill.
 */
export const PRICES = {
  lambda: {
    /** Per GB-second, ARM (Graviton). */
    gbSecond: 0.0000133334,
    /** Per request (invocation): $0.20 per million. */
    request: 0.2 / 1e6,
  },
  /** Standard queue, per request (64 KB chunk): $0.40 per million. FIFO: $0.50. */
  sqs: { request: 0.4 / 1e6, fifoRequest: 0.5 / 1e6 },
  /** On demand: $0.625 per million write request units, $0.125 per million read request units. */
  dynamodb: { writeUnit: 0.625 / 1e6, readUnit: 0.125 / 1e6 },
  /** Per secret per month, and per API call ($0.05 per 10,000). */
  secretsManager: { secretMonth: 0.4, call: 0.05 / 1e4 },
  cloudWatch: {
    /** Standard-resolution alarm, per month. */
    alarmMonth: 0.1,
    /** Custom metric per month, prorated by the hours in which it is published. */
    metricMonth: 0.3,
    /** Logs ingested, per GB. */
    logGb: 0.5,
  },
  /** EventBridge Scheduler: $1.00 per million invocations. */
  scheduler: { invocation: 1 / 1e6 },
  /** Fargate, Linux/x86 (Ocean's published images), per hour. */
  fargate: { vcpuHour: 0.04048, gbHour: 0.004445 },
} as const;

export const HOURS_PER_MONTH = 730;
