import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Attachment } from '@switchboard/events';
import type { BodyRead, BodyReadOptions } from '../types.ts';

export const FORM = 'application/x-www-form-urlencoded';

/** Bounds on the number of parts: each file is a temporary file, and each field a string kept. */
export const MAX_FILES = 100;
export const MAX_PARTS = 1000;

/** Where a stored attachment lives under the attachments directory: its sha256, fanned out by the first two hex digits. */
export function attachmentPath(sha256: string): string {
  return `${sha256.slice(0, 2)}/${sha256}`;
}

type PendingFile = { attachment: Attachment; tmp: string };

async function removeAll(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((file) => fs.rm(file, { force: true })));
}

/** A urlencoded body: its raw bytes, up to `maxBytes`, kept as they came. */
async function readRaw(req: IncomingMessage, maxBytes: number, contentType: string): Promise<BodyRead> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return { ok: false, reason: 'too_large', error: `body exceeds ${maxBytes} bytes` };
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) return { ok: false, reason: 'too_large', error: `body exceeds ${maxBytes} bytes` };
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, reason: 'aborted', error: 'request aborted' };
  }
  return { ok: true, body: Buffer.concat(chunks, size), contentType, attachments: [], settle: async () => {} };
}

/**
 * Reads a Mailgun inbound POST. multipart/form-data is streamed with busboy: text fields are
 * collected, each file is written to `attachmentsDir/tmp-<uuid>` while its sha256 and size are
 * computed (never held whole in memory), and the whole body is refused with `too_large` as soon as
 * more than `maxBytes` have arrived (partial files deleted).
 *
 * Decision: the raw event keeps the text fields re-encoded as application/x-www-form-urlencoded,
 * in the order received, instead of the multipart bytes (which hold the attachments). Mailgun's
 * signature covers only `timestamp` + `token`, both text fields, so the stored event can still be
 * verified again. Attachments are referenced by content address (`attachments[].path`).
 *
 * A urlencoded body is returned as its raw bytes.
 */
export async function readMailgunBody(req: IncomingMessage, options: BodyReadOptions): Promise<BodyRead> {
  const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (contentType !== 'multipart/form-data') return readRaw(req, options.maxBytes, contentType || FORM);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.maxBytes) return { ok: false, reason: 'too_large', error: `body exceeds ${options.maxBytes} bytes` };

  let parser: busboy.Busboy;
  try {
    // A text field may be as large as the whole body (body-html); files are bounded by maxBytes below.
    // Filenames are UTF-8 (busboy's default for header parameters is latin1).
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fieldSize: options.maxBytes, fieldNameSize: 200, files: MAX_FILES, parts: MAX_PARTS } });
  } catch (err) {
    return { ok: false, reason: 'malformed', error: `malformed multipart body: ${(err as Error).message}` };
  }
  await fs.mkdir(options.attachmentsDir, { recursive: true });

  const fields: [string, string][] = [];
  const files: PendingFile[] = [];
  const tmpFiles: string[] = [];
  const writes: Promise<void>[] = [];
  let received = 0;

  return new Promise<BodyRead>((resolve) => {
    let done = false;
    const fail = (reason: 'too_large' | 'aborted' | 'malformed', error: string) => {
      if (done) return;
      done = true;
      req.unpipe(parser);
      // Stop the file streams, then delete whatever was written.
      parser.removeAllListeners('file');
      parser.destroy();
      void Promise.allSettled(writes).then(() => removeAll(tmpFiles)).then(() => resolve({ ok: false, reason, error }));
    };

    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.maxBytes) fail('too_large', `body exceeds ${options.maxBytes} bytes`);
    });
    req.on('aborted', () => fail('aborted', 'request aborted'));
    req.on('error', () => fail('aborted', 'request aborted'));
    req.on('close', () => {
      if (!req.complete) fail('aborted', 'request aborted');
    });

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) return fail('too_large', `field ${name} exceeds the limit`);
      fields.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      const tmp = path.join(options.attachmentsDir, `tmp-${randomUUID()}`);
      tmpFiles.push(tmp);
      const hash = createHash('sha256');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      writes.push(
        pipeline(stream, measure, createWriteStream(tmp)).then(
          () => {
            const sha256 = hash.digest('hex');
            files.push({ tmp, attachment: { field: name, filename: info.filename ?? '', contentType: info.mimeType, size, sha256, path: attachmentPath(sha256) } });
          },
          (err: Error) => fail(done ? 'aborted' : 'malformed', `attachment ${name} could not be stored: ${err.message}`),
        ),
      );
    });
    parser.on('filesLimit', () => fail('too_large', `more than ${MAX_FILES} attachments`));
    parser.on('partsLimit', () => fail('too_large', `more than ${MAX_PARTS} parts`));
    parser.on('error', (err: Error) => fail('malformed', `malformed multipart body: ${err.message}`));
    parser.on('close', () => {
      void Promise.all(writes).then(() => {
        if (done) return;
        done = true;
        // Files finish in any order; keep the order they were sent in.
        files.sort((a, b) => tmpFiles.indexOf(a.tmp) - tmpFiles.indexOf(b.tmp));
        const body = Buffer.from(new URLSearchParams(fields).toString(), 'utf8');
        let settled = false;
        resolve({
          ok: true,
          body,
          contentType: FORM,
          attachments: files.map((f) => f.attachment),
          async settle(keep: boolean) {
            if (settled) return;
            settled = true;
            if (!keep) return removeAll(tmpFiles);
            for (const file of files) {
              const target = path.join(options.attachmentsDir, file.attachment.path);
              await fs.mkdir(path.dirname(target), { recursive: true });
              // Content-addressed: if the same bytes are already there, this replaces them with themselves.
              await fs.rename(file.tmp, target);
            }
          },
        });
      });
    });
    req.pipe(parser);
  });
}
