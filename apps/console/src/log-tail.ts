import fs from 'node:fs/promises';

const CHUNK = 64 * 1024;

/**
 * The last `lines` complete (newline-terminated) lines of a file, oldest first, read backwards in chunks so a large
 * log is never loaded whole. At most `maxBytes` are read: past that, fewer lines come back. A
 * missing file has no lines.
 */
export async function tailLines(file: string, lines: number, maxBytes = 32 * 1024 * 1024): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    // lines + 1 newlines bound `lines` whole lines (the last may lack its newline while being written).
    while (position > 0 && newlines <= lines && size - position < maxBytes) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      const chunk = buffer.subarray(0, bytesRead);
      for (const byte of chunk) if (byte === 0x0a) newlines++;
      chunks.unshift(chunk);
    }
    // Decoded once, whole: a multi-byte character split across chunks stays intact.
    const text = Buffer.concat(chunks).toString('utf8');
    const all = text.split('\n');
    // The last piece is empty after a final newline, or a line still being written: not a whole line either way.
    all.pop();
    // Unless we reached the start of the file, the first piece is the tail of a line we did not read whole.
    if (position > 0) all.shift();
    return all.filter((line) => line.trim() !== '').slice(-lines);
  } finally {
    await handle.close();
  }
}
