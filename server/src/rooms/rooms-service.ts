import type { CreateOptions, Room, RoomServiceClient } from 'livekit-server-sdk';
import type { AuditService } from '../audit/audit-service.js';
import { NotFoundError } from '../http/errors.js';
import { pageByKey, type Page, type PageRequest } from '../http/pagination.js';
import { callLiveKit } from '../livekit/livekit-errors.js';
import type { CreateRoom } from './rooms-schemas.js';

/** Who is acting, for the audit log. */
export interface Actor {
  actor: string;
  requestId?: string;
}

/** Room lifecycle on livekit-server. */
export class RoomsService {
  constructor(
    private readonly livekit: RoomServiceClient,
    private readonly audit: AuditService,
  ) {}

  /** Creates a room; if it already exists, returns it untouched with `created: false`. */
  async create(input: CreateRoom): Promise<{ room: Room; created: boolean }> {
    const existing = await this.find(input.name);
    if (existing) return { room: existing, created: false };
    const opts: CreateOptions = { name: input.name };
    if (input.maxParticipants !== undefined) opts.maxParticipants = input.maxParticipants;
    if (input.emptyTimeout !== undefined) opts.emptyTimeout = input.emptyTimeout;
    if (input.metadata !== undefined) opts.metadata = input.metadata;
    const room = await callLiveKit('create the room', () => this.livekit.createRoom(opts));
    return { room, created: true };
  }

  /** Every active room. */
  async list(): Promise<Room[]> {
    return callLiveKit('list rooms', () => this.livekit.listRooms());
  }

  /** A page of the active rooms by name (LiveKit answers them all; the page is cut here). */
  async listPage(req: PageRequest): Promise<Page<Room>> {
    return pageByKey(await this.list(), (r) => r.name, req, 'room');
  }

  /** One room, or undefined. */
  async find(name: string): Promise<Room | undefined> {
    const rooms = await callLiveKit('look up the room', () => this.livekit.listRooms([name]));
    return rooms.find((r) => r.name === name);
  }

  /** One room, or a 404. */
  async get(name: string): Promise<Room> {
    const room = await this.find(name);
    if (!room) throw new NotFoundError(`Room ${name} not found`);
    return room;
  }

  /** Closes the room, disconnecting everyone in it. */
  async delete(name: string, by: Actor): Promise<void> {
    await this.get(name);
    await this.audit.record({ action: 'room.deleted', roomName: name, ...by }, () =>
      callLiveKit('delete the room', () => this.livekit.deleteRoom(name), { notFound: `Room ${name} not found` }),
    );
  }
}
