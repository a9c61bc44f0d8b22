import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the test subscriber saw it. */
export type ReceivedWebhook = {
  n: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The secrets its Standard Webhooks signature verified against (none: it did not verify). */
  verifiedWith: string[];
  at: number;
};

/** What the subscriber answers a request: a status (default 200), or `hang` to never answer. */
export type SubscriberAnswer = { status?: number; headers?: Record<string, string>; body?: string; hang?: boolean; delayMs?: number };

export type Subscriber = {
  url: string;
  received: ReceivedWebhook[];
  /** Secrets it verifies with (Standard Webhooks, through the `standardwebhooks` package, as a receiver would). */
  secrets: string[];
  close(): Promise<void>;
};

/**
 * A local webhook receiver for tests: it verifies each request with the `standardwebhooks`
 * package against every secret it knows and records which ones verified, then answers what
 * `respond` says.
 */
export async function startSubscriber(options: { secrets: string[]; respond?: (req: ReceivedWebhook) => SubscriberAnswer }): Promise<Subscriber> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verifiedWith = sub.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      const entry: ReceivedWebhook = { n: received.length + 1, path: req.url ?? '/', headers: req.headers, body, verifiedWith, at: Date.now() };
      received.push(entry);
      const answer = options.respond?.(entry) ?? {};
      if (answer.hang) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const send = () => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? 'ok');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const sub: Subscriber = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    secrets: [...options.secrets],
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sub;
}
