import type { z } from 'zod';
import type { CreateIngressSchema } from './ingress-schemas.js';
import { randomBytes } from 'node:crypto';
import { IngressInput, type IngressClient, type IngressInfo } from 'livekit-server-sdk';
import { NotFoundError } from '../http/errors.js';
import { pageByKey, type Page, type PageRequest } from '../http/pagination.js';
import { callLiveKit } from '../livekit/livekit-errors.js';

/** RTMP and WHIP endpoints that publish an external stream (OBS, ffmpeg) into a room. */
export class IngressService {
  constructor(private readonly ingress: IngressClient) {}

  async create(roomName: string, req: z.output<typeof CreateIngressSchema>): Promise<IngressInfo> {
    const input = req.type === 'whip' ? IngressInput.WHIP_INPUT : IngressInput.RTMP_INPUT;
    return callLiveKit('create the ingress (is ingress running?)', () =>
      this.ingress.createIngress(input, {
        name: req.name ?? `${roomName} ${req.type}`,
        roomName,
        participantName: req.participantName,
        participantIdentity: req.participantIdentity ?? `ingress-${randomBytes(4).toString('hex')}`,
      }),
    );
  }

  async list(roomName: string): Promise<IngressInfo[]> {
    return callLiveKit('list ingress', () => this.ingress.listIngress({ roomName }));
  }

  /** A page of the room's ingress endpoints by ingressId (LiveKit answers them all; the page is cut here). */
  async listPage(roomName: string, req: PageRequest): Promise<Page<IngressInfo>> {
    return pageByKey(await this.list(roomName), (i) => i.ingressId, req, 'ingressId');
  }

  /** Deletes an ingress of this room (404 when it belongs to another room or does not exist). */
  async delete(roomName: string, ingressId: string): Promise<void> {
    const notFound = `Ingress ${ingressId} not found in room ${roomName}`;
    const [info] = await callLiveKit('look up the ingress', () => this.ingress.listIngress({ ingressId }), { notFound });
    if (!info || info.roomName !== roomName) throw new NotFoundError(notFound);
    await callLiveKit('delete the ingress', () => this.ingress.deleteIngress(ingressId), { notFound });
  }
}
