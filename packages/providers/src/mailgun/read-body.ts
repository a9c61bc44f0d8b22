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
import { verifyMailgun, type MailgunSecrets } from './signature.ts';

export const FORM = 'application/x-www-form-urlencoded';

/** Bounds on the number of parts: each file is a temporary file, and each field a string kept. */
export const MAX_FILES = 100;
export const MAX_PARTS = 1000;

/** How much of a multipart post may come before its signature fields (Mailgun sends them first). */
export const MAX_UNVERIFIED_BYTES = 64 * 1024;

/** The text fields' total, urlencoded as stored, when MAILGUN_MAX_TEXT_BYTES does not say. */
export const DEFAULT_MAX_TEXT_BYTES = 8 * 1024 * 1024;

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
  const tooLarge = { ok: false, reason: 'too_large', error: `body exceeds ${maxBytes} bytes` } as const;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Not destroyed on an early return: the 413 still has to be written on its socket.
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        return tooLarge;
      }
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, reason: 'aborted', error: 'request aborted' };
  }
  return { ok: true, body: Buffer.concat(chunks, size), contentType, attachments: [], settle: async () => {} };
}

/**
 * The length of `name=value` once urlencoded the way URLSearchParams does it (UTF-8, then `+` for
 * a space and `%XX` for every byte but `*-._` and alphanumerics; a lone surrogate becomes U+FFFD),
 * counted without building the string: an invalid byte decoded to U+FFFD grows ninefold.
 */
export function formEncodedLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += UNESCAPED[c]!;
    else if (c < 0x800) n += 6;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 12;
      i++;
    } else n += 9;
  }
  return n;
}
/** Encoded length of each ASCII character: 1 for `*-._`, alphanumerics and space (`+`), else 3. */
const UNESCAPED = Uint8Array.from({ length: 128 }, (_, c) => (/[*\-._0-9A-Za-z ]/.test(String.fromCharCode(c)) ? 1 : 3));

/** The signature fields, which Mailgun sends before the others. */
const SIGNATURE_FIELDS = ['timestamp', 'token', 'signature'] as const;
type SignatureFields = Partial<Record<(typeof SIGNATURE_FIELDS)[number], string>>;

/**
 * Reads a Mailgun inbound POST, verifying it while it streams. multipart/form-data is parsed with
 * busboy. The signature fields (`timestamp`, `token`, `signature`) come first in Mailgun's posts:
 * they are checked as soon as all three have arrived, and a post is refused (403) when they are
 * wrong, or still missing after MAX_UNVERIFIED_BYTES of other parts, so an unsigned post costs
 * at most that much. Only then are text fields kept and encoded, within `maxTextBytes` (as
 * stored, urlencoded). Each file is written to `attachmentsDir/tmp-<uuid>` while its sha256 and
 * size are computed (never held whole in memory), and the whole body is refused with `too_large`
 * as soon as more than `maxBytes` have arrived (partial files deleted).
 *
 * Decision: the raw event keeps the text fields re-encoded as application/x-www-form-urlencoded,
 * in the order received, instead of the multipart bytes (which hold the attachments). Mailgun's
 * signature covers only `timestamp` + `token`, both text fields, so the stored event can still be
 * verified again. Attachments are referenced by content address (`attachments[].path`).
 *
 * A urlencoded body has no attachments: it is all text, so it is refused past `maxTextBytes`,
 * and returned as its raw bytes (verified by `accept`).
 *
 * `secrets` null: INSECURE_SKIP_SIGNATURES, nothing is verified (the limits still apply).
 */
export async function readMailgunBody(req: IncomingMessage, options: BodyReadOptions, secrets: MailgunSecrets | null): Promise<BodyRead> {
  const maxText = Math.min(options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES, options.maxBytes);
  const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (contentType !== 'multipart/form-data') return readRaw(req, maxText, contentType || FORM);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > options.maxBytes) return { ok: false, reason: 'too_large', error: `body exceeds ${options.maxBytes} bytes` };
  if (secrets && !secrets.signingKey) return { ok: false, reason: 'not_configured', error: 'MAILGUN_WEBHOOK_SIGNING_KEY is not set' };

  let parser: busboy.Busboy;
  try {
    // busboy holds a text field whole before handing it over: no field is let grow past the text
    // limit. Filenames are UTF-8 (busboy's default for header parameters is latin1).
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fieldSize: maxText, fieldNameSize: 200, files: MAX_FILES, parts: MAX_PARTS } });
  } catch (err) {
    return { ok: false, reason: 'malformed', error: `malformed multipart body: ${(err as Error).message}` };
  }
  await fs.mkdir(options.attachmentsDir, { recursive: true });

  const now = options.now ?? new Date();
  let verified = secrets === null;
  const signature: SignatureFields = {};
  /** Fields that came before verification (at most MAX_UNVERIFIED_BYTES of them). */
  let early: [string, string][] = [];
  const encoded: string[] = [];
  let textBytes = 0;
  const files: PendingFile[] = [];
  const tmpFiles: string[] = [];
  const writes: Promise<void>[] = [];
  let received = 0;

  return new Promise<BodyRead>((resolve) => {
    let done = false;
    const fail = (failure: Exclude<BodyRead, { ok: true }>) => {
      if (done) return;
      done = true;
      // Read no further: the handler answers and closes the connection.
      req.off('data', onData);
      req.unpipe(parser);
      req.pause();
      // Stop the file streams, then delete whatever was written.
      parser.removeAllListeners('file');
      parser.removeAllListeners('field');
      parser.destroy();
      early = [];
      encoded.length = 0;
      void Promise.allSettled(writes).then(() => removeAll(tmpFiles)).then(() => resolve(failure));
    };
    const failWith = (reason: 'too_large' | 'aborted' | 'malformed', error: string) => fail({ ok: false, reason, error });

    const keep = (name: string, value: string) => {
      const size = formEncodedLength(name) + 1 + formEncodedLength(value) + (encoded.length > 0 ? 1 : 0);
      if (textBytes + size > maxText) return failWith('too_large', `text fields exceed ${maxText} bytes`);
      textBytes += size;
      encoded.push(new URLSearchParams([[name, value]]).toString());
    };

    const verify = () => {
      const outcome = verifyMailgun({ signingKey: secrets!.signingKey, ...signature, now });
      if (!outcome.ok) return fail(outcome);
      verified = true;
      for (const [name, value] of early) {
        keep(name, value);
        if (done) return;
      }
      early = [];
    };

    function onData(chunk: Buffer) {
      // Everything before this chunk was parsed: the signature fields should have been among it.
      if (!verified && received >= MAX_UNVERIFIED_BYTES) {
        return fail({ ok: false, reason: 'forbidden', error: `timestamp, token and signature must come before ${MAX_UNVERIFIED_BYTES} bytes of other parts` });
      }
      received += chunk.length;
      if (received > options.maxBytes) failWith('too_large', `body exceeds ${options.maxBytes} bytes`);
    }
    req.on('data', onData);
    req.on('aborted', () => failWith('aborted', 'request aborted'));
    req.on('error', () => failWith('aborted', 'request aborted'));
    req.on('close', () => {
      if (!req.complete) failWith('aborted', 'request aborted');
    });

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) return failWith('too_large', `field ${name} exceeds ${maxText} bytes`);
      if (verified) return keep(name, value);
      early.push([name, value]);
      const key = SIGNATURE_FIELDS.find((k) => k === name);
      if (key && signature[key] === undefined) {
        signature[key] = value;
        if (SIGNATURE_FIELDS.every((k) => signature[k] !== undefined)) verify();
      }
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
          (err: Error) => failWith(done ? 'aborted' : 'malformed', `attachment ${name} could not be stored: ${err.message}`),
        ),
      );
    });
    parser.on('filesLimit', () => failWith('too_large', `more than ${MAX_FILES} attachments`));
    parser.on('partsLimit', () => failWith('too_large', `more than ${MAX_PARTS} parts`));
    parser.on('error', (err: Error) => failWith('malformed', `malformed multipart body: ${err.message}`));
    parser.on('close', () => {
      void Promise.all(writes).then(() => {
        if (done) return;
        // The whole post came without its signature fields: the same answer as a urlencoded one.
        if (!verified) return verify();
        done = true;
        // Files finish in any order; keep the order they were sent in.
        files.sort((a, b) => tmpFiles.indexOf(a.tmp) - tmpFiles.indexOf(b.tmp));
        const body = Buffer.from(encoded.join('&'), 'utf8');
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
