import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tailLines } from '../src/log-tail.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-tail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('tailLines', () => {
  test('answers the last N whole lines of a multi-megabyte file, oldest first, with multi-byte characters intact across chunk edges', async () => {
    // Lines of 2- to 4-byte characters, ~125 bytes each: the last 1000 span several 64 KiB chunks whose edges fall inside characters.
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i} ${'é😀'.repeat(((i % 7) + 1) * 5)} ✓`);
    const file = write('big.log', `${lines.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    expect(await tailLines(file, 1000)).toEqual(lines.slice(-1000));
    expect(await tailLines(file, 1)).toEqual(lines.slice(-1));
  });

  test('a file shorter than N answers all its lines', async () => {
    expect(await tailLines(write('short.log', 'a\nb\n'), 10)).toEqual(['a', 'b']);
  });

  test('a line still being written (no newline yet) is left out, and does not count toward N', async () => {
    expect(await tailLines(write('partial.log', 'a\nb\nc\n{"par'), 2)).toEqual(['b', 'c']);
  });

  test('an empty or missing file has no lines', async () => {
    expect(await tailLines(write('empty.log', ''), 5)).toEqual([]);
    expect(await tailLines(path.join(dir, 'missing.log'), 5)).toEqual([]);
  });

  test('reads no further back than maxBytes: a huge line cannot make it load the whole file', async () => {
    const file = write('huge-line.log', `${'x'.repeat(4 * 1024 * 1024)}\nlast\n`);
    expect(await tailLines(file, 2, 256 * 1024)).toEqual(['last']);
  });
});
