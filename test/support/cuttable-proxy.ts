import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttableProxy {
  url: string;
  /** Drops every open connection (as a proxy's timeout or a Wi-Fi hiccup would) and holds new ones. */
  cut(): Promise<void>;
  /** Lets held and new connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of the gateway, for browser tests of what a page does when its event
 * stream drops: `cut` destroys every relayed connection; connections made while cut wait (the browser
 * sees its reconnect hang, not fail) and go through on `restore`.
 */
export async function startCuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let held: Socket[] = [];
  let isCut = false;
  const relay = (client: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    client.pause();
    if (isCut) held.push(client);
    else relay(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async cut() {
      isCut = true;
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    restore() {
      isCut = false;
      const waiting = held;
      held = [];
      for (const client of waiting) if (!client.destroyed) relay(client);
    },
    async close() {
      for (const client of held) client.destroy();
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
