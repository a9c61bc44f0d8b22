import { UnrecoverableError } from 'bullmq';
import { classifyFailure } from './failures.ts';

/**
 * Runs `run` for every item of a batch job at once and waits for all of them, so that one item's
 * failure never leaves its neighbours half done. Then, if any failed, the job fails with the most
 * retryable error: a transient one first (the whole job waits out the outage), else any other
 * error (it spends one of the job's attempts), else the permanent ones as one UnrecoverableError
 * naming each (`what` names the items, e.g. "events of the batch"). Items that did apply are
 * keyed effects, so the job running again changes nothing for them.
 */
export async function settleEach<I, O>(items: readonly I[], run: (item: I) => Promise<O>, what: string): Promise<O[]> {
  const settled = await Promise.allSettled(items.map(run));
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (errors.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<O>).value);
  const retryable = errors.find((err) => classifyFailure(err).kind === 'transient') ?? errors.find((err) => !(err instanceof UnrecoverableError));
  if (retryable !== undefined) throw retryable;
  const reasons = errors.map((err) => (err as Error).message);
  throw new UnrecoverableError(`${errors.length} of ${items.length} ${what} cannot apply (the others did): ${reasons.join('; ')}`);
}
