/**
 * How many failures Tide keeps as samples, everywhere it keeps a list of them. Every failure
 * is counted; only the samples are capped, so a run of a million bad items stays one small
 * run record (DynamoDB items are at most 400 KB) and one readable summary.
 */

/** Failures kept on one batch's record (the ingest; the fanout's unsendable items). */
export const MAX_BATCH_FAILURES = 20;

/** Failures kept in a run's summary (across batches). */
export const MAX_FAILURE_SAMPLES = 50;

/** Error samples kept per resource's progress (fanout errors), by every run store. */
export const MAX_PROGRESS_ERRORS = 20;

/** Failed deletions quoted in a run's deletion reason. */
export const MAX_REASON_FAILURES = 5;
