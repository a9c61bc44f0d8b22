import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export type RoundRobinProxy = { url: string; counts: number[]; close(): Promise<void> };

/**
 * A small HTTP load balancer for tests: each request goes to the next upstream in turn, with its
 * method, path, headers and body as received, and the upstream's answer goes back as is. A
 * request whose upstream connection fails before any answer (a kept-alive socket the upstream
 * had just closed) is sent once more, to the next upstream, as a real balancer does: webhook
 * deliveries are idempotent.
 */
export async function startRoundRobinProxy(upstreams: string[]): Promise<RoundRobinProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts = upstreams.map(() => 0);
  let next = 0;
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, retries: number) => {
    const index = next++ % upstreams.length;
    counts[index]! += 1;
    const upstream = http.request(new URL(req.url ?? '/', upstreams[index]), { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      counts[index]! -= 1;
      if (retries > 0 && !res.headersSent) return forward(req, res, body, retries - 1);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `upstream ${index}: ${err.message}` }));
    });
    upstream.end(body);
  };
  const server = http.createServer((req, res) => {
    // Webhook bodies are small: read whole, so a failed attempt can be sent again.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 1));
  });
  // Clients keep their connections open between bursts: never close one under them mid-test.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
