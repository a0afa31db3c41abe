import { fileURLToPath } from 'node:url';
import { readyWithFakeGpu } from '@rtcstack/test-utils';
import { describe, expect, it } from 'vitest';

const worker = fileURLToPath(new URL('../python/transcribe_worker.py', import.meta.url));

/**
 * WHISPER_DEVICE=auto on a host where CTranslate2 sees a GPU but the CUDA libraries are missing (the
 * CPU image on a GPU host): the worker must say why and use the CPU, not fail at the first job.
 * This machine has no GPU, so the device count is made to answer 1; the library check is real
 * (python/whisper_device.py, shared by both workers; each wires it to its own warm-up).
 */
describe('the whisper worker with --device auto', () => {
  it('falls back to the CPU, with a log line, when a GPU is present but cuBLAS/cuDNN are not', async () => {
    const python = process.env.WHISPER_PYTHON!;
    const models = process.env.WHISPER_MODELS_DIR!;
    expect(python, 'WHISPER_PYTHON (scripts/stack env)').toBeTruthy();
    const { ready, stderr } = await readyWithFakeGpu(python, worker, `${models}/tiny.en`);
    expect(ready).toMatchObject({ ready: true, device: 'cpu', computeType: 'int8' });
    expect(stderr).toMatch(/CUDA device is present but libcublas\.so\.12.* cannot be loaded .*falling back to the CPU/);
  }, 60_000);
});
