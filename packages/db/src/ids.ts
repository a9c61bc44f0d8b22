import { getRandomValues } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Random bytes for ids, drawn 4 KiB at a time: `v7()` alone asks the system for 16 bytes per id
 * (`randomFillSync`, 2–4% of each worker's CPU under load, several ids per message).
 */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;

function random16(): Uint8Array {
  if (next + 16 > POOL_BYTES) {
    getRandomValues(pool);
    next = 0;
  }
  const bytes = pool.subarray(next, next + 16);
  next += 16;
  return bytes;
}

/** The last id's time and counter: ids made in the same millisecond count up, as `v7()`'s own do (RFC 9562, method 1). */
const state = { msecs: -Infinity, seq: 0 };

/** A new time-ordered id (UUIDv7): rows sort by creation, which the console's cursors rely on. */
export function newId(): string {
  const random = random16();
  const now = Date.now();
  if (now > state.msecs) {
    // A fresh 31-bit counter from the random bytes, as uuid's v7 seeds it.
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    state.msecs = now;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs += 1;
  }
  return v7({ msecs: state.msecs, seq: state.seq, random });
}
