import net from 'node:net';

/**
 * A TCP relay in front of a server (the shared Postgres) that a test can break two ways: `cut`
 * resets every connection and refuses new ones until `restore` (a server down, a restart), and
 * `silence` relays nothing either way while closing nothing until `resume` (a network partition, a
 * host gone without a reset; what arrives meanwhile is dropped, so those connections never
 * recover). `strand` silences for good only the connections open at the time, while new ones are
 * relayed as before: a server host gone without a reset and its service back at the same address
 * (a failover behind a stable name or virtual IP), which only a client that opens a new
 * connection sees.
 */
export type TcpRelay = {
  port: number;
  /** `url` with its host and port replaced by the relay's. */
  via(url: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  silence(): void;
  resume(): void;
  strand(): void;
  close(): Promise<void>;
};

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  const stranded = new WeakSet<net.Socket>();
  let silent = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      from.on('data', (chunk) => {
        if (!silent && !stranded.has(from)) to.write(chunk);
      });
    }
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    via(url) {
      const relayed = new URL(url);
      relayed.hostname = '127.0.0.1';
      relayed.port = String(port);
      return relayed.toString();
    },
    cut,
    restore: () => listen(port),
    silence: () => void (silent = true),
    resume: () => void (silent = false),
    strand: () => {
      for (const s of sockets) stranded.add(s);
    },
    close: cut,
  };
}
