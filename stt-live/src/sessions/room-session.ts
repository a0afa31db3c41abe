import {
  DisconnectReason,
  Room,
  RoomEvent,
  TrackKind,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
} from '@livekit/rtc-node';
import type { LiveSessionInfo, LiveSessionRequest } from '@rtcstack/contracts';
import { AccessToken } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import type { SpeechEngine, StreamOptions } from '../engines/engine.js';
import { publishCaption } from './caption-publisher.js';
import { SegmentSink } from './segment-sink.js';
import { SpeakerStream, type SpeakerSegment } from './speaker-stream.js';

/** What the control plane asks for (PUT /sessions/:id; the contract in @rtcstack/contracts). */
export type SessionRequest = LiveSessionRequest;

/** Wiring a session needs. */
export interface SessionDeps {
  engine: SpeechEngine;
  livekit: { url: string; apiKey: string; apiSecret: string };
  identity: string;
  internalSecret: string;
  callbackTimeoutMs: number;
  logger: Logger;
  /** Called once when the session ends without being stopped (room closed, engine died). */
  onEnded: (id: string) => void;
}

/**
 * One room being transcribed: a hidden, subscribe-only participant that opens a SpeakerStream per
 * audio track (including tracks published later), sends finals to the control plane and publishes
 * every segment back into the room as a LiveKit transcription, for captions.
 */
export class RoomSession {
  readonly startedAt = new Date().toISOString();
  private readonly room = new Room();
  private readonly streams = new Map<string, SpeakerStream>();
  private readonly sink: SegmentSink;
  private readonly logger: Logger;
  private participants: Record<string, string>;
  private stopping = false;

  constructor(
    readonly id: string,
    readonly request: SessionRequest,
    private readonly deps: SessionDeps,
  ) {
    this.logger = deps.logger.child({ transcriptionId: id, room: request.roomName });
    this.participants = { ...request.participants };
    this.sink = new SegmentSink({ callbackUrl: request.callbackUrl, transcriptionId: id, secret: deps.internalSecret, timeoutMs: deps.callbackTimeoutMs }, this.logger);
  }

  /** Joins the room and subscribes to every audio track already there. */
  async start(): Promise<void> {
    const token = new AccessToken(this.deps.livekit.apiKey, this.deps.livekit.apiSecret, {
      identity: `${this.deps.identity}-${this.id}`,
      name: 'Transcriber',
      ttl: '24h',
    });
    // Hidden and subscribe-only: it is never shown as a participant and cannot publish media.
    token.addGrant({ roomJoin: true, room: this.request.roomName, canSubscribe: true, canPublish: false, canPublishData: true, hidden: true });
    this.room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.onTrack(track, publication, participant));
    this.room.on(RoomEvent.TrackUnsubscribed, (_track, publication) => void this.closeStream(publication.sid));
    this.room.on(RoomEvent.Disconnected, (reason) => void this.onDisconnected(reason));
    await this.room.connect(this.deps.livekit.url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
    this.logger.info('joined room; transcribing');
  }

  /** Replaces the speaker map; segments finalised from now on use it. */
  updateSpeakers(participants: Record<string, string>): void {
    this.participants = { ...participants };
  }

  /** Ends every stream (their last words are transcribed), delivers the finals, leaves the room. */
  async stop(flushMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const ends = Promise.all([...this.streams.values()].map((s) => s.end()));
    await Promise.race([ends, sleep(flushMs)]);
    const unsent = await this.sink.flush(Math.max(1000, flushMs / 2));
    if (unsent > 0) this.logger.warn({ unsent }, 'stopped with segments the control plane has not taken');
    this.sink.close();
    await this.room.disconnect().catch(() => undefined);
  }

  /** Tells the control plane the session ended without a stop from it. */
  async reportEnded(status: 'stopped' | 'failed', reason: string): Promise<void> {
    await this.sink.reportEnded(status, reason);
  }

  /** The session as GET /sessions reports it. */
  info(): LiveSessionInfo {
    return { id: this.id, roomName: this.request.roomName, startedAt: this.startedAt, speakers: this.streams.size, segmentsSent: this.sink.sent };
  }

  private onTrack(track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void {
    if (track.kind !== TrackKind.KIND_AUDIO || this.stopping || !publication.sid || this.streams.has(publication.sid)) return;
    const speaker = { identity: participant.identity, participantSid: participant.sid ?? '', trackSid: publication.sid };
    const opts: StreamOptions = {
      language: this.request.language,
      partialResults: this.request.options.partialResults ?? false,
      punctuation: this.request.options.punctuation ?? true,
      profanityFilter: this.request.options.profanityFilter ?? false,
    };
    const stream = new SpeakerStream(speaker, track as never, this.deps.engine, opts, (s) => this.onSegment(s, participant), this.logger);
    this.streams.set(publication.sid, stream);
    stream.start();
    this.logger.info(speaker, 'transcribing a new audio track');
  }

  private async closeStream(trackSid: string | undefined): Promise<void> {
    const stream = trackSid ? this.streams.get(trackSid) : undefined;
    if (!stream || this.stopping) return;
    this.streams.delete(trackSid!);
    await stream.end();
  }

  private onSegment(s: SpeakerSegment, participant: RemoteParticipant): void {
    const p = this.participants;
    const name = p[s.speaker.trackSid] ?? p[s.speaker.participantSid] ?? p[s.speaker.identity] ?? (participant.name || s.speaker.identity);
    if (s.final) {
      this.sink.push({
        key: s.utteranceId,
        speakerIdentity: s.speaker.identity,
        speakerName: name,
        trackSid: s.speaker.trackSid,
        text: s.text,
        language: s.language,
        startAt: s.startAt.toISOString(),
        endAt: s.endAt.toISOString(),
      });
    }
    const local = this.room.localParticipant;
    if (!this.room.isConnected || !local) return;
    publishCaption(local, s).catch((err: unknown) => this.logger.debug({ err }, 'publishing a caption into the room failed'));
  }

  private async onDisconnected(reason: DisconnectReason): Promise<void> {
    if (this.stopping) return;
    this.logger.warn({ reason: DisconnectReason[reason] }, 'left the room unexpectedly; ending the session');
    await this.stop(2000);
    const closed = reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.ROOM_CLOSED;
    await this.sink.reportEnded(closed ? 'stopped' : 'failed', closed ? 'the room was closed' : `stt-live was disconnected from the room (${DisconnectReason[reason]})`);
    this.deps.onEnded(this.id);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
