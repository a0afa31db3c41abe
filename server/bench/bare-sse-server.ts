// Baseline for the SSE benchmark: the same fan-out with nothing else. GET /events holds a
// Server-Sent Events response; POST /publish writes the posted body as one frame to every one of
// them, from memory (no database, no framework, no auth, no logging).
import { createServer, type ServerResponse } from 'node:http';

const streams = new Set<ServerResponse>();
let seq = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/events')) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' });
    res.write('retry: 3000\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const type = (JSON.parse(body) as { type: string }).type;
    const frame = `id: ${++seq}\nevent: ${type}\ndata: ${body}\n\n`;
    for (const s of streams) s.write(frame);
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on('message', (m) => m === 'rss' && process.send?.({ rss: process.memoryUsage().rss }));
