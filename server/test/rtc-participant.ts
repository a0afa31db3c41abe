import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  type DisconnectReason,
  type LocalTrackPublication,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TrackPublication,
} from '@livekit/rtc-node';

/** The room events the tests wait for, with their arguments (rtc-node does not export its map). */
interface RoomEvents {
  trackPublished: (publication: RemoteTrackPublication, participant: RemoteParticipant) => void;
  trackSubscribed: (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) => void;
  trackMuted: (publication: TrackPublication, participant: Participant) => void;
  participantConnected: (participant: RemoteParticipant) => void;
  participantDisconnected: (participant: RemoteParticipant) => void;
  disconnected: (reason: DisconnectReason) => void;
}

/** A real WebRTC participant (livekit rtc-node) joined with a token from our API. */
export class RtcParticipant {
  readonly room = new Room();
  private tone?: { timer: NodeJS.Timeout; source: AudioSource };

  /** Connects to livekit-server; rejects when the token does not admit us. */
  async join(url: string, token: string): Promise<this> {
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
    return this;
  }

  /** Publishes a microphone track carrying a 440 Hz tone, fed in 10 ms frames until leave(). */
  async publishTone(): Promise<LocalTrackPublication> {
    const sampleRate = 48_000;
    const samplesPer10ms = sampleRate / 100;
    const source = new AudioSource(sampleRate, 1);
    const track = LocalAudioTrack.createAudioTrack('tone', source);
    const opts = new TrackPublishOptions();
    opts.source = TrackSource.SOURCE_MICROPHONE;
    const publication = await this.room.localParticipant!.publishTrack(track, opts);
    let t = 0;
    const timer = setInterval(() => {
      const pcm = new Int16Array(samplesPer10ms);
      for (let i = 0; i < pcm.length; i++, t++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * t) / sampleRate));
      void source.captureFrame(new AudioFrame(pcm, sampleRate, 1, samplesPer10ms)).catch(() => undefined);
    }, 10);
    this.tone = { timer, source };
    return publication;
  }

  /** Resolves with the event's arguments the next time it fires (and `match` accepts them), or rejects after `ms`. */
  next<E extends keyof RoomEvents>(event: E, ms = 10_000, match: (...args: Parameters<RoomEvents[E]>) => boolean = () => true): Promise<Parameters<RoomEvents[E]>> {
    // rtc-node's emitter is typed per event; this helper is generic over a subset, hence the casts.
    const room = this.room as unknown as { on(e: string, f: (...a: unknown[]) => void): void; off(e: string, f: (...a: unknown[]) => void): void };
    return new Promise((resolve, reject) => {
      const onEvent = (...args: unknown[]) => {
        const typed = args as Parameters<RoomEvents[E]>;
        if (!match(...typed)) return;
        clearTimeout(timer);
        room.off(event, onEvent);
        resolve(typed);
      };
      const timer = setTimeout(() => {
        room.off(event, onEvent);
        reject(new Error(`timed out after ${ms} ms waiting for ${event}`));
      }, ms);
      room.on(event, onEvent);
    });
  }

  /** Stops the tone and disconnects (safe to call twice). */
  async leave(): Promise<void> {
    if (this.tone) {
      clearInterval(this.tone.timer);
      await this.tone.source.close().catch(() => undefined);
      this.tone = undefined;
    }
    if (this.room.isConnected) await this.room.disconnect();
  }
}
