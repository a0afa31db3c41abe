import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One request a receiver got. */
export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A local HTTP endpoint standing for a customer's webhook receiver; `respond` picks each answer. */
export async function startReceiver(respond: (r: Received, n: number) => number = () => 200, port = 0): Promise<{ url: string; port: number; received: Received[]; close: () => Promise<void>; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      res.writeHead(respond(r, received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${p}/hook`,
    port: p,
    received,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
