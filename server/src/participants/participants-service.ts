import type { ParticipantInfo, RoomServiceClient } from 'livekit-server-sdk';
import type { AuditService } from '../audit/audit-service.js';
import { NotFoundError } from '../http/errors.js';
import { pageByKey, type Page, type PageRequest } from '../http/pagination.js';
import { callLiveKit, mapLiveKitError } from '../livekit/livekit-errors.js';
import type { Actor, RoomsService } from '../rooms/rooms-service.js';

/** Listing, kicking and muting participants on livekit-server. */
export class ParticipantsService {
  constructor(
    private readonly livekit: RoomServiceClient,
    private readonly rooms: RoomsService,
    private readonly audit: AuditService,
  ) {}

  /** Everyone in the room (404 when the room does not exist). */
  async list(room: string): Promise<ParticipantInfo[]> {
    await this.rooms.get(room);
    return callLiveKit('list participants', () => this.livekit.listParticipants(room));
  }

  /**
   * A page of the room's participants by identity (LiveKit answers them all; the page is cut here).
   * Hidden ones (transcriber, recorder) are left out unless `includeHidden`.
   */
  async listPage(room: string, req: PageRequest & { includeHidden: boolean }): Promise<Page<ParticipantInfo>> {
    const all = await this.list(room);
    const visible = req.includeHidden ? all : all.filter((p) => !p.permission?.hidden);
    return pageByKey(visible, (p) => p.identity, req, 'identity');
  }

  /** Disconnects a participant from the room. */
  async remove(room: string, participantId: string, by: Actor): Promise<void> {
    const p = await this.resolve(room, participantId);
    await this.audit.record({ action: 'participant.removed', roomName: room, participantIdentity: p.identity, ...by }, () =>
      callLiveKit('remove the participant', () => this.livekit.removeParticipant(room, p.identity), { notFound: this.notFound(room, participantId) }),
    );
  }

  /** Server-side (un)mutes one of the participant's published tracks. */
  async mute(room: string, participantId: string, trackSid: string, muted: boolean, by: Actor): Promise<void> {
    const p = await this.resolve(room, participantId);
    if (!p.tracks.some((t) => t.sid === trackSid)) {
      throw new NotFoundError(`Track ${trackSid} is not published by ${p.identity} in room ${room}`);
    }
    await this.audit.record(
      { action: muted ? 'track.muted' : 'track.unmuted', roomName: room, participantIdentity: p.identity, detail: { trackSid }, ...by },
      () => callLiveKit('mute the track', () => this.livekit.mutePublishedTrack(room, p.identity, trackSid, muted)),
    );
  }

  /** Finds a participant by identity, or by SID when the id looks like one. */
  private async resolve(room: string, participantId: string): Promise<ParticipantInfo> {
    try {
      return await this.livekit.getParticipant(room, participantId);
    } catch (err) {
      const mapped = mapLiveKitError(err, 'look up the participant', { notFound: this.notFound(room, participantId) });
      if (!(mapped instanceof NotFoundError) || !participantId.startsWith('PA_')) throw mapped;
    }
    const all = await this.list(room);
    const bySid = all.find((p) => p.sid === participantId);
    if (!bySid) throw new NotFoundError(this.notFound(room, participantId));
    return bySid;
  }

  private notFound(room: string, participantId: string): string {
    return `Participant ${participantId} not found in room ${room}`;
  }
}
