import { v7 } from 'uuid';

/** A new time-ordered id (UUIDv7): rows sort by creation, which the console's cursors rely on. */
export function newId(): string {
  return v7();
}
