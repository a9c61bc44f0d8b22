import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RawEventPayload } from '@switchboard/events';
import { waitFor } from '@switchboard/testing';
import { inboundMessageSchema } from '@switchboard/events';
import { mailgun, normalizeEvent, normalizeMailgunMessage, parseForm, quotedPart, readMailgunBody, type BodyRead, type IngestRequest } from '@switchboard/providers';

const signingKey = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const now = new Date('2026-11-23T10:00:00.000Z');
const nowSec = Math.floor(now.getTime() / 1000);
const MiB = 1024 * 1024;

/** Mailgun's documented algorithm: hex HMAC-SHA256, keyed with the signing key, of timestamp + token. */
function mailgunSign(timestamp: string, token: string, key = signingKey): string {
  return createHmac('sha256', key).update(timestamp + token).digest('hex');
}

/** The fields of a Mailgun "forward" route for a reply with a quote and a signature. */
function inbound(overrides: Record<string, string> = {}, timestamp = String(nowSec), token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0'): Record<string, string> {
  const bodyPlain = 'Oui, je suis intéressée par l’offre 😊\n\n--\nÉlodie Martin\n\nLe lun. 23 nov. 2026, Switchboard a écrit :\n> Notre offre de novembre…\n> Répondez à ce message.';
  return {
    recipient: 'replies@mg.example.com',
    sender: 'Elodie.Martin@Example.FR',
    from: 'Élodie Martin <Elodie.Martin@Example.FR>',
    subject: 'Re: Notre offre de novembre',
    'body-plain': bodyPlain,
    'stripped-text': 'Oui, je suis intéressée par l’offre 😊',
    'stripped-signature': '--\nÉlodie Martin',
    'body-html': '<div>Oui, je suis intéressée par l’offre 😊</div><blockquote>Notre offre…</blockquote>',
    'Message-Id': '<CAF=abc123@mail.example.fr>',
    'In-Reply-To': '<campaign-42@mg.example.com>',
    timestamp,
    token,
    signature: mailgunSign(timestamp, token),
    ...overrides,
  };
}

function request(fields: Record<string, string>): IngestRequest {
  return {
    url: 'https://hooks.example.com/webhooks/mailgun/inbound',
    path: '/webhooks/mailgun/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(new URLSearchParams(fields).toString()),
    remoteIp: '127.0.0.1',
    now,
  };
}

describe('Mailgun: accept', () => {
  const provider = mailgun();
  const secrets = { signingKey };

  test('a signed message is accepted; its token is the dedup key', () => {
    const fields = inbound();
    expect(provider.accept(request(fields), secrets)).toEqual({ ok: true, dedupKey: `token.${fields.token}`, fields: { token: fields.token } });
  });

  test('a replayed token gets the same dedup key, whatever else changed', () => {
    const first = provider.accept(request(inbound()), secrets);
    const replay = provider.accept(request(inbound({ subject: 'changed' }, String(nowSec + 10))), secrets);
    expect(replay).toMatchObject({ ok: true });
    expect(replay.ok && first.ok && replay.dedupKey === first.dedupKey).toBe(true);
  });

  test('a tampered signature, or one made with another key, is forbidden', () => {
    const fields = inbound();
    const signature = fields.signature!;
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(provider.accept(request({ ...fields, signature: flipped }), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid Mailgun signature' });
    expect(provider.accept(request({ ...fields, signature: mailgunSign(fields.timestamp!, fields.token!, 'key-other') }), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.accept(request({ ...fields, token: `${fields.token}x` }), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  test('a timestamp more than five minutes away, either way, is forbidden even when signed', () => {
    expect(provider.accept(request(inbound({}, String(nowSec - 301))), secrets)).toEqual({ ok: false, reason: 'forbidden', error: 'Mailgun timestamp is more than 5 minutes away from now' });
    expect(provider.accept(request(inbound({}, String(nowSec + 301))), secrets)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(provider.accept(request(inbound({}, String(nowSec - 300))), secrets)).toMatchObject({ ok: true });
  });

  test('missing signature fields are unauthorized, naming them', () => {
    const { signature: _s, token: _t, ...rest } = inbound();
    expect(provider.accept(request(rest), secrets)).toEqual({ ok: false, reason: 'unauthorized', error: 'missing token, signature' });
  });

  test('a message without recipient or sender is invalid, naming them', () => {
    const { recipient: _r, sender: _s, from: _f, ...rest } = inbound();
    expect(provider.accept(request(rest), secrets)).toEqual({ ok: false, reason: 'invalid', error: 'missing required fields: recipient, sender', fields: ['recipient', 'sender'] });
  });

  test('a signing key that is not set is not configured', () => {
    expect(provider.accept(request(inbound()), { signingKey: '' })).toMatchObject({ ok: false, reason: 'not_configured' });
  });
});

describe('Mailgun: normalize', () => {
  function rawEvent(fields: Record<string, string>, attachments: RawEventPayload['attachments'] = []): RawEventPayload {
    return {
      provider: 'mailgun',
      dedupKey: `token.${fields.token}`,
      route: '/webhooks/mailgun/inbound',
      url: 'https://hooks.example.com/webhooks/mailgun/inbound',
      receivedAt: now.toISOString(),
      contentType: 'application/x-www-form-urlencoded',
      headers: {},
      body: new URLSearchParams(fields).toString(),
      bodyEncoding: 'utf8',
      attachments,
    };
  }

  test('a reply becomes an email message: bare lower-cased sender, stripped text as content, the quote apart', () => {
    const attachment = { field: 'attachment-1', filename: 'devis.pdf', contentType: 'application/pdf', size: 3, sha256: 'ab'.repeat(32), path: `ab/${'ab'.repeat(32)}` };
    const message = normalizeMailgunMessage(rawEvent(inbound(), [attachment]));
    expect(inboundMessageSchema.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      kind: 'message',
      source: 'email',
      externalId: '<CAF=abc123@mail.example.fr>',
      sender: 'elodie.martin@example.fr',
      recipient: 'replies@mg.example.com',
      content: 'Oui, je suis intéressée par l’offre 😊',
      campaignId: null,
      receivedAt: now.toISOString(),
      email: {
        subject: 'Re: Notre offre de novembre',
        strippedText: 'Oui, je suis intéressée par l’offre 😊',
        quoted: 'Le lun. 23 nov. 2026, Switchboard a écrit :\n> Notre offre de novembre…\n> Répondez à ce message.',
        attachments: [attachment],
      },
    });
    expect(message.extractedData).toMatchObject({ subject: 'Re: Notre offre de novembre', inReplyTo: '<campaign-42@mg.example.com>', attachmentCount: 1 });
    expect(normalizeEvent(rawEvent(inbound(), [attachment]))).toEqual(message);
  });

  test('without stripped-text the content is body-plain and nothing is quoted; without sender, from is used', () => {
    const { 'stripped-text': _t, sender: _s, ...rest } = inbound();
    const message = normalizeMailgunMessage(rawEvent(rest));
    expect(message.content).toBe(rest['body-plain']);
    expect(message.email?.quoted).toBe('');
    expect(message.sender).toBe('elodie.martin@example.fr');
  });

  test('without Message-Id the externalId is the dedup key', () => {
    const { 'Message-Id': _m, ...rest } = inbound();
    expect(normalizeMailgunMessage(rawEvent(rest)).externalId).toBe(`token.${rest.token}`);
  });

  test('the quoted part is what follows the reply and its signature', () => {
    expect(quotedPart('Yes\n\n> old', 'Yes')).toBe('> old');
    expect(quotedPart('Yes\n-- \nBob\n> old', 'Yes', '-- \nBob')).toBe('> old');
    expect(quotedPart('Only this', 'Only this')).toBe('');
    expect(quotedPart('Something else', 'Yes')).toBe('');
  });
});

// --- readBody: a real node:http server, multipart bodies built here and streamed to it. ---

type Part =
  | { name: string; value: string }
  | { name: string; filename: string; contentType: string; chunks: () => Iterable<Buffer> }
  /** A text field given as bytes (not necessarily UTF-8). */
  | { name: string; chunks: () => Iterable<Buffer> };

/** A multipart/form-data body, produced chunk by chunk (a file part is never materialized whole). */
function multipart(boundary: string, parts: Part[]): Readable {
  function* generate(): Generator<Buffer> {
    for (const part of parts) {
      if ('value' in part) {
        yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`);
      } else if (!('filename' in part)) {
        yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`);
        yield* part.chunks();
        yield Buffer.from('\r\n');
      } else {
        yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n\r\n`);
        yield* part.chunks();
        yield Buffer.from('\r\n');
      }
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return Readable.from(generate(), { objectMode: false });
}

/** `count` chunks of 64 KiB, each different (a pattern seeded by `seed` and the chunk index), and their sha256 and size. */
function fileOf(count: number, seed: string) {
  const pattern = createHash('sha512').update(seed).digest();
  const chunk = (i: number) => {
    const block = Buffer.alloc(64 * 1024, pattern);
    block.writeUInt32BE(i, 0);
    return block;
  };
  const hash = createHash('sha256');
  let size = 0;
  for (let i = 0; i < count; i++) {
    const c = chunk(i);
    hash.update(c);
    size += c.length;
  }
  return { sha256: hash.digest('hex'), size, chunks: function* () { for (let i = 0; i < count; i++) yield chunk(i); } };
}

describe('Mailgun: readBody', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailgun-attachments-'));
  // One directory per test: a failure leaves its files to itself.
  let attachmentsDir = root;
  let dirs = 0;
  beforeEach(() => {
    attachmentsDir = path.join(root, String(++dirs));
  });
  const maxBytes = 25 * MiB;
  let server: http.Server;
  let base: string;
  let pending: ((read: BodyRead) => void) | null = null;
  /** null: INSECURE_SKIP_SIGNATURES (nothing verified while reading); set by the tests of verification. */
  let secrets: { signingKey: string } | null = null;
  let maxTextBytes: number | undefined;
  /** How many bytes the server had received when readBody answered. */
  let receivedAtAnswer = 0;
  afterEach(() => {
    secrets = null;
    maxTextBytes = undefined;
  });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      void readMailgunBody(req, { maxBytes, attachmentsDir, maxTextBytes, now }, secrets).then((read) => {
        receivedAtAnswer = req.socket.bytesRead;
        pending?.(read);
        pending = null;
        if (read.ok) res.end('ok');
        else res.writeHead(read.reason === 'too_large' ? 413 : 400, { Connection: 'close' }).end(read.reason);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Posts a body (chunked: no Content-Length unless given) and resolves with what readBody returned on the server. */
  function post(body: Readable, contentType: string, headers: Record<string, string> = {}): Promise<BodyRead> {
    const read = new Promise<BodyRead>((resolve) => (pending = resolve));
    const req = http.request(`${base}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'content-type': contentType, ...headers } });
    // The server may answer 413 and close while we are still sending: that is the point.
    req.on('error', () => {});
    req.on('response', (res) => res.resume());
    body.on('error', () => {});
    body.pipe(req);
    return read;
  }

  const tmpFiles = () => (fs.existsSync(attachmentsDir) ? fs.readdirSync(attachmentsDir) : []).filter((name) => name.startsWith('tmp-'));

  test('text fields come back urlencoded in the order sent, attachments streamed to disk with their sha256 and size', async () => {
    const fields = inbound({ 'attachment-count': '2' });
    const small = { bytes: Buffer.from('%PDF-1.4 devis n°42 €', 'utf8') };
    const big = fileOf(80, 'photo'); // 5 MiB
    const boundary = `----mg${randomBytes(8).toString('hex')}`;
    const parts: Part[] = [
      ...Object.entries(fields).map(([name, value]) => ({ name, value })),
      { name: 'attachment-1', filename: 'devis n°42.pdf', contentType: 'application/pdf', chunks: () => [small.bytes] },
      { name: 'attachment-2', filename: 'photo.jpg', contentType: 'image/jpeg', chunks: big.chunks },
    ];
    const read = await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`);
    if (!read.ok) throw new Error(`readBody failed: ${read.error}`);

    expect(read.contentType).toBe('application/x-www-form-urlencoded');
    expect(read.body.toString('utf8')).toBe(new URLSearchParams(fields).toString());
    expect(parseForm(read.body)).toEqual(fields);
    const smallSha = createHash('sha256').update(small.bytes).digest('hex');
    expect(read.attachments).toEqual([
      { field: 'attachment-1', filename: 'devis n°42.pdf', contentType: 'application/pdf', size: small.bytes.length, sha256: smallSha, path: `${smallSha.slice(0, 2)}/${smallSha}` },
      { field: 'attachment-2', filename: 'photo.jpg', contentType: 'image/jpeg', size: 5 * MiB, sha256: big.sha256, path: `${big.sha256.slice(0, 2)}/${big.sha256}` },
    ]);
    // Before settling, the bytes are under temporary names only.
    expect(tmpFiles()).toHaveLength(2);
    expect(fs.existsSync(path.join(attachmentsDir, read.attachments[1]!.path))).toBe(false);

    await read.settle(true);
    expect(tmpFiles()).toEqual([]);
    const stored = path.join(attachmentsDir, read.attachments[1]!.path);
    expect(fs.statSync(stored).size).toBe(big.size);
    expect(createHash('sha256').update(fs.readFileSync(stored)).digest('hex')).toBe(big.sha256);
    expect(fs.readFileSync(path.join(attachmentsDir, read.attachments[0]!.path))).toEqual(small.bytes);

    // What readBody returned verifies like any urlencoded Mailgun request.
    const accepted = mailgun().accept({ ...request({}), body: read.body }, { signingKey });
    expect(accepted).toMatchObject({ ok: true, dedupKey: `token.${fields.token}` });
  });

  test('settle(false) deletes the temporary files', async () => {
    const boundary = 'b0undary';
    const read = await post(multipart(boundary, [{ name: 'token', value: 't' }, { name: 'attachment-1', filename: 'a.txt', contentType: 'text/plain', chunks: () => [Buffer.from('to be dropped')] }]), `multipart/form-data; boundary=${boundary}`);
    if (!read.ok) throw new Error(read.error);
    expect(tmpFiles()).toHaveLength(1);
    await read.settle(false);
    expect(tmpFiles()).toEqual([]);
    expect(fs.existsSync(path.join(attachmentsDir, read.attachments[0]!.path))).toBe(false);
  });

  test('a body past 25 MiB is refused while streaming, and partial files are deleted', async () => {
    const boundary = 'xyzzy';
    const huge = fileOf(26 * 16, 'huge'); // 26 MiB, sent chunked: no Content-Length to refuse up front
    const read = await post(multipart(boundary, [{ name: 'token', value: 't' }, { name: 'attachment-1', filename: 'huge.bin', contentType: 'application/octet-stream', chunks: huge.chunks }]), `multipart/form-data; boundary=${boundary}`);
    expect(read).toEqual({ ok: false, reason: 'too_large', error: `body exceeds ${maxBytes} bytes` });
    expect(tmpFiles()).toEqual([]);
  });

  test('more than 100 attachments is refused, and no file is left', async () => {
    const boundary = 'many';
    const parts: Part[] = Array.from({ length: 101 }, (_, i) => ({ name: `attachment-${i + 1}`, filename: `${i}.txt`, contentType: 'text/plain', chunks: () => [Buffer.from(`file ${i}`)] }));
    expect(await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`)).toEqual({ ok: false, reason: 'too_large', error: 'more than 100 attachments' });
    expect(tmpFiles()).toEqual([]);
  });

  test('a client that disconnects mid-upload leaves no file behind', async () => {
    const boundary = 'gone';
    const read = new Promise<BodyRead>((resolve) => (pending = resolve));
    const req = http.request(`${base}/webhooks/mailgun/inbound`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    req.on('error', () => {});
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="attachment-1"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    req.write(Buffer.alloc(256 * 1024, 7));
    // Wait until the server has started writing the attachment, then hang up.
    await waitFor(() => tmpFiles().length === 1);
    req.destroy();
    expect(await read).toEqual({ ok: false, reason: 'aborted', error: 'request aborted' });
    expect(tmpFiles()).toEqual([]);
  });

  test('a declared Content-Length over the limit is refused before reading', async () => {
    const read = await post(Readable.from([Buffer.from('x')]), 'multipart/form-data; boundary=abc', { 'content-length': String(maxBytes + 1) });
    expect(read).toMatchObject({ ok: false, reason: 'too_large' });
  });

  test('a multipart body without a boundary, or cut short, is malformed and leaves no file', async () => {
    expect(await post(Readable.from([Buffer.from('--abc\r\n')]), 'multipart/form-data')).toMatchObject({ ok: false, reason: 'malformed' });
    const cut = Readable.from([Buffer.from('--cut\r\nContent-Disposition: form-data; name="attachment-1"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\npartial bytes')]);
    expect(await post(cut, 'multipart/form-data; boundary=cut')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(tmpFiles()).toEqual([]);
  });

  test('a urlencoded body is returned as its raw bytes, limit applied', async () => {
    const raw = new URLSearchParams(inbound()).toString();
    const read = await post(Readable.from([Buffer.from(raw)]), 'application/x-www-form-urlencoded');
    if (!read.ok) throw new Error(read.error);
    expect(read.body.toString('utf8')).toBe(raw);
    expect(read.attachments).toEqual([]);
    expect(read.contentType).toBe('application/x-www-form-urlencoded');
  });

  describe('verification while reading', () => {
    const ff = (count: number) => () => Array.from({ length: count }, () => Buffer.alloc(64 * 1024, 0xff));
    const signed = (token = 'f'.repeat(50)) => [
      { name: 'timestamp', value: String(nowSec) },
      { name: 'token', value: token },
      { name: 'signature', value: mailgunSign(String(nowSec), token) },
    ];

    test('a wrong signature is refused as soon as its fields arrive, before the 20 MiB text part that follows is read', async () => {
      secrets = { signingKey };
      const boundary = 'forged';
      const parts: Part[] = [...signed().slice(0, 2), { name: 'signature', value: '0'.repeat(64) }, { name: 'body-plain', chunks: ff(20 * 16) }];
      expect(await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`)).toEqual({ ok: false, reason: 'forbidden', error: 'invalid Mailgun signature' });
      expect(receivedAtAnswer).toBeLessThan(2 * MiB);
    });

    test('signature fields that come after 64 KiB of other parts are refused there', async () => {
      secrets = { signingKey };
      const boundary = 'late';
      const parts: Part[] = [{ name: 'body-plain', chunks: ff(20 * 16) }, ...signed()];
      expect(await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`)).toEqual({
        ok: false,
        reason: 'forbidden',
        error: 'timestamp, token and signature must come before 65536 bytes of other parts',
      });
      expect(receivedAtAnswer).toBeLessThan(2 * MiB);
    });

    test('a post with no signature fields at all is unauthorized', async () => {
      secrets = { signingKey };
      const boundary = 'nosig';
      expect(await post(multipart(boundary, [{ name: 'recipient', value: 'a@example.com' }]), `multipart/form-data; boundary=${boundary}`)).toEqual({
        ok: false,
        reason: 'unauthorized',
        error: 'missing timestamp, token, signature',
      });
    });

    test('a signed post keeps its fields in order, those before the signature included', async () => {
      secrets = { signingKey };
      const boundary = 'good';
      const fields = inbound({}, String(nowSec), 'g'.repeat(50));
      const { timestamp, token, signature, ...rest } = fields;
      const parts: Part[] = [{ name: 'recipient', value: rest.recipient! }, { name: 'timestamp', value: timestamp! }, { name: 'token', value: token! }, { name: 'signature', value: signature! }, ...Object.entries(rest).filter(([k]) => k !== 'recipient').map(([name, value]) => ({ name, value }))];
      const read = await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`);
      if (!read.ok) throw new Error(read.error);
      expect([...new URLSearchParams(read.body.toString('utf8')).keys()]).toEqual(parts.map((p) => p.name));
      expect(parseForm(read.body)).toEqual(fields);
    });

    test('signed text fields past the text limit are refused, counted as stored (an invalid byte stores as 9)', async () => {
      secrets = { signingKey };
      maxTextBytes = 1 * MiB;
      const boundary = 'bigtext';
      // 128 KiB of 0xFF: far below the limit as bytes, 1.1 MiB once stored urlencoded.
      const parts: Part[] = [...signed(), { name: 'recipient', value: 'a@example.com' }, { name: 'body-html', chunks: ff(2) }];
      expect(await post(multipart(boundary, parts), `multipart/form-data; boundary=${boundary}`)).toEqual({ ok: false, reason: 'too_large', error: `text fields exceed ${MiB} bytes` });
      const underLimit: Part[] = [...signed('h'.repeat(50)), { name: 'recipient', value: 'a@example.com' }, { name: 'body-html', value: 'x'.repeat(MiB - 500) }];
      const read = await post(multipart(boundary, underLimit), `multipart/form-data; boundary=${boundary}`);
      expect(read.ok).toBe(true);
    });

    test('a urlencoded post past the text limit is refused', async () => {
      maxTextBytes = 64 * 1024;
      const raw = new URLSearchParams(inbound({ 'body-html': 'x'.repeat(70 * 1024) })).toString();
      expect(await post(Readable.from([Buffer.from(raw)]), 'application/x-www-form-urlencoded')).toEqual({ ok: false, reason: 'too_large', error: `body exceeds ${64 * 1024} bytes` });
    });
  });
});
