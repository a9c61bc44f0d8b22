/** The one job scheduler of silence evaluations: every dispatcher upserts it under this id, so there is one. */
export const SILENCE_SCHEDULER_ID = 'source-silence';

/** The Redis hash `sourceId → "1" | "0"` the evaluator writes and ingest's /metrics reads. */
export function silenceStateKey(prefix: string): string {
  return `${prefix}:source-silence`;
}
