import { RTCPeerConnection } from 'werift';

/**
 * A real WebRTC SDP offer with audio and video send-only transceivers and gathered ICE candidates,
 * made by werift (a WebRTC stack in TypeScript), as a WHIP client such as OBS would send.
 */
export async function createWhipOffer(): Promise<{ sdp: string; close: () => Promise<void> }> {
  const pc = new RTCPeerConnection({});
  pc.addTransceiver('audio', { direction: 'sendonly' });
  pc.addTransceiver('video', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
    setTimeout(resolve, 3000);
  });
  return { sdp: pc.localDescription!.sdp, close: () => pc.close() };
}
