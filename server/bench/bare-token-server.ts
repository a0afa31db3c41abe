// Baseline: the same LiveKit JWT signed by a minimal node:http handler, with no framework,
// no validation, no logging. What the control plane's token route costs is measured against this.
import { createServer } from 'node:http';
import { AccessToken } from 'livekit-server-sdk';
import { serveBench } from './bench-child.js';
import { BENCH_ENV } from './bench-env.js';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { roomId: string; userId: string; name: string; metadata?: object };
      const at = new AccessToken(BENCH_ENV.LIVEKIT_API_KEY, BENCH_ENV.LIVEKIT_API_SECRET, {
        identity: body.userId,
        name: body.name,
        ttl: 3600,
        metadata: JSON.stringify(body.metadata),
        attributes: { role: 'participant' },
      });
      at.addGrant({ room: body.roomId, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, roomAdmin: false });
      const token = await at.toJwt();
      const out = JSON.stringify({ token, url: BENCH_ENV.LIVEKIT_PUBLIC_URL, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(out);
    })();
  });
});
serveBench(server.listen(0, '127.0.0.1'));
