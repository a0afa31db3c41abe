// Baseline: an empty Express 5 app (express.json() and one route) signing the same LiveKit JWT,
// with nothing else: what the framework alone costs. The control plane is measured against it.
import express from 'express';
import { AccessToken } from 'livekit-server-sdk';
import { serveBench } from './bench-child.js';
import { BENCH_ENV } from './bench-env.js';

const app = express();
app.use(express.json());
app.post('/v1/token', async (req, res) => {
  const body = req.body as { roomId: string; userId: string; name: string; metadata?: object };
  const at = new AccessToken(BENCH_ENV.LIVEKIT_API_KEY, BENCH_ENV.LIVEKIT_API_SECRET, {
    identity: body.userId,
    name: body.name,
    ttl: 3600,
    metadata: JSON.stringify(body.metadata),
    attributes: { role: 'participant' },
  });
  at.addGrant({ room: body.roomId, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, roomAdmin: false });
  res.json({ token: await at.toJwt(), url: BENCH_ENV.LIVEKIT_PUBLIC_URL, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
});
serveBench(app.listen(0, '127.0.0.1'));
