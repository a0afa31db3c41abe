/**
 * A participant for scripts/fuzz: joins a room with a token from the control plane under test and
 * publishes a microphone track (silence, so that the transcriber has nothing to transcribe), so that
 * the participant operations (mute, remove) meet a real identity and a real track. Removed from the
 * room, it joins again, so that every removal the fuzzer sends finds it. Prints
 * `<identity> <track sid>` each time it has published; stays until SIGTERM.
 *   node --import tsx test/fuzz-participant.ts <LiveKit ws URL> <token>
 */
import { RoomEvent } from '@livekit/rtc-node';
import { RtcParticipant } from './rtc-participant.js';
import { Microphone } from './speech.js';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  process.stderr.write('usage: fuzz-participant.ts <LiveKit ws URL> <token>\n');
  process.exit(64); // EX_USAGE
}

let current: { rtc: RtcParticipant; mic: Microphone } | undefined;
let stopping = false;

async function join(): Promise<void> {
  const rtc = await new RtcParticipant().join(url!, token!);
  const mic = new Microphone();
  const publication = await mic.publish(rtc.room);
  current = { rtc, mic };
  rtc.room.once(RoomEvent.Disconnected, () => {
    if (stopping) return;
    void mic.close().finally(() => setTimeout(() => void join().catch(fail), 250));
  });
  process.stdout.write(`${rtc.room.localParticipant!.identity} ${publication.sid}\n`);
}

function fail(err: unknown): never {
  process.stderr.write(`fuzz participant: ${String(err)}\n`);
  process.exit(1);
}

const leave = async () => {
  stopping = true;
  await current?.mic.close();
  await current?.rtc.leave();
  process.exit(0);
};
process.on('SIGTERM', () => void leave());
process.on('SIGINT', () => void leave());
await join().catch(fail);
