import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const worker = fileURLToPath(new URL('../../python/whisper_worker.py', import.meta.url));

/**
 * WHISPER_DEVICE=auto on a host where CTranslate2 sees a GPU but the CUDA libraries are missing (the
 * CPU image on a GPU host): the worker must say why and use the CPU, not fail at the first job.
 * This machine has no GPU, so the device count is made to answer 1; the library check is real.
 */
describe('the whisper worker with --device auto', () => {
  it('falls back to the CPU, with a log line, when a GPU is present but cuBLAS/cuDNN are not', async () => {
    const python = process.env.WHISPER_PYTHON!;
    const models = process.env.WHISPER_MODELS_DIR!;
    expect(python, 'WHISPER_PYTHON (scripts/stack env)').toBeTruthy();
    const boot = `import ctranslate2, runpy, sys; ctranslate2.get_cuda_device_count = lambda: 1; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")`;
    const child = spawn(python, ['-c', boot, worker, '--model-dir', `${models}/tiny.en`, '--device', 'auto'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const ready = JSON.parse(line.toString().split('\n')[0]!);
    child.stdin.end();
    await once(child, 'exit');
    expect(ready).toMatchObject({ ready: true, device: 'cpu', computeType: 'int8' });
    expect(stderr).toMatch(/CUDA device is present but libcublas\.so\.12.* cannot be loaded .*falling back to the CPU/);
  }, 60_000);
});
