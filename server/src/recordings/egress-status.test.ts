import { FileInfo } from '@livekit/protocol';
import { EgressInfo, EgressStatus } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { patchFromEgress } from './egress-status.js';

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe('patchFromEgress', () => {
  it('maps an active egress to recording with its start time', () => {
    const p = patchFromEgress(new EgressInfo({ egressId: 'EG_1', status: EgressStatus.EGRESS_ACTIVE, startedAt: ns('2025-01-01T12:00:00.000Z') }));
    expect(p).toEqual({ egressId: 'EG_1', status: 'recording', startedAt: '2025-01-01T12:00:00.000Z' });
  });

  it('maps a completed egress to completed with end, duration and size', () => {
    const p = patchFromEgress(
      new EgressInfo({
        egressId: 'EG_1',
        status: EgressStatus.EGRESS_COMPLETE,
        startedAt: ns('2025-01-01T12:00:00.000Z'),
        endedAt: ns('2025-01-01T12:00:10.500Z'),
        fileResults: [new FileInfo({ filename: 'a.mp4', duration: 10_250_000_000n, size: 123_456n })],
      }),
    );
    expect(p).toMatchObject({ status: 'completed', endedAt: '2025-01-01T12:00:10.500Z', durationMs: 10_250, sizeBytes: 123_456 });
    expect(p.failureReason).toBeUndefined();
  });

  it('says why a recording failed, e.g. when the upload failed', () => {
    const p = patchFromEgress(new EgressInfo({ egressId: 'EG_1', status: EgressStatus.EGRESS_FAILED, error: 'upload failed: connection refused' }));
    expect(p).toMatchObject({ status: 'failed', failureReason: 'upload failed: connection refused' });
    expect(patchFromEgress(new EgressInfo({ egressId: 'EG_1', status: EgressStatus.EGRESS_ABORTED })).failureReason).toBe('egress EGRESS_ABORTED');
  });

  it('treats a reached limit as a finished file, with the reason noted', () => {
    const p = patchFromEgress(new EgressInfo({ egressId: 'EG_1', status: EgressStatus.EGRESS_LIMIT_REACHED }));
    expect(p).toMatchObject({ status: 'completed', failureReason: expect.stringMatching(/^egress limit reached/) });
  });
});
