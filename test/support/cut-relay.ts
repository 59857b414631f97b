// A TCP relay on loopback that cuts the link on demand: once armed with a budget of K bytes, it forwards K
// more bytes from the client and then destroys both sides, as a link that drops mid-transfer would.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface CutRelay {
  readonly port: number;
  /** Cut every connection after `bytes` more client bytes have been forwarded. */
  arm(bytes: number): void;
  /** True once an armed budget ran out and the link was cut. */
  readonly cut: boolean;
  close(): Promise<void>;
}

export async function startCutRelay(targetPort: number): Promise<CutRelay> {
  let budget: number | null = null;
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const destroyBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (budget === null || chunk.length < budget) {
        if (budget !== null) budget -= chunk.length;
        upstream.write(chunk);
        return;
      }
      upstream.write(chunk.subarray(0, budget));
      budget = 0;
      cut = true;
      destroyBoth();
    });
    upstream.pipe(client);
    client.on('error', destroyBoth).on('close', destroyBoth);
    upstream.on('error', destroyBoth).on('close', destroyBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    arm: (bytes) => {
      budget = bytes;
    },
    get cut() {
      return cut;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
