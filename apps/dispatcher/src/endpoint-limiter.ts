/**
 * Per-endpoint isolation inside one dispatcher: at most `cap` attempts in flight to an endpoint,
 * and at most `cap` more of its jobs waiting in the process for a free place. So a slow or dead
 * endpoint holds at most 2 × `cap` of the worker's slots and the others keep flowing. A job
 * beyond that is parked (moved back to delayed) for about as long as the endpoint needs to work
 * through what is ahead of it: each parked job takes the next slot of a per-endpoint schedule
 * spaced by the endpoint's observed latency / cap, so a backlog on one endpoint waits on that
 * endpoint and comes back roughly once, instead of spinning through the queue.
 */
export type EndpointLimiter = {
  /** A place to send to the endpoint (resolves when one frees), or false: park the job. */
  acquire(endpointId: string): Promise<boolean>;
  release(endpointId: string, durationMs: number): void;
  /** How long to park a job of a full endpoint. */
  parkDelay(endpointId: string): number;
};

type State = { inFlight: number; waiting: (() => void)[]; latencyMs: number; nextSlot: number };

const MIN_PARK_MS = 20;
const MAX_PARK_MS = 10 * 60_000;

export function createEndpointLimiter(cap: number, now: () => number = Date.now): EndpointLimiter {
  const states = new Map<string, State>();
  const stateOf = (id: string) => {
    let s = states.get(id);
    if (!s) {
      s = { inFlight: 0, waiting: [], latencyMs: 100, nextSlot: 0 };
      states.set(id, s);
    }
    return s;
  };
  return {
    async acquire(id) {
      const s = stateOf(id);
      if (s.inFlight < cap) {
        s.inFlight += 1;
        return true;
      }
      if (s.waiting.length >= cap) return false;
      // The place is handed over by release(): inFlight stays counted.
      await new Promise<void>((resolve) => s.waiting.push(resolve));
      return true;
    },
    release(id, durationMs) {
      const s = stateOf(id);
      // An exponentially weighted mean: recent attempts count most.
      s.latencyMs = s.latencyMs * 0.8 + durationMs * 0.2;
      const next = s.waiting.shift();
      if (next) return next();
      s.inFlight -= 1;
      if (s.inFlight === 0 && s.nextSlot < now()) states.delete(id);
    },
    parkDelay(id) {
      const s = stateOf(id);
      const t = now();
      s.nextSlot = Math.max(s.nextSlot, t) + Math.max(s.latencyMs, 1) / cap;
      const delay = s.nextSlot - t;
      // A little jitter, so parked jobs do not all come back in the same millisecond.
      return Math.round(Math.min(MAX_PARK_MS, Math.max(MIN_PARK_MS, delay)) * (0.9 + Math.random() * 0.2));
    },
  };
}
