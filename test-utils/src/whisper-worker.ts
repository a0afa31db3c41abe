import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Starts a whisper worker script (stt-live's or stt-post's) with `--device auto` on a machine where
 * CTranslate2 is made to report one GPU, returns its `ready` message and what it logged, and stops
 * it. This machine has no GPU and no CUDA libraries, so what the worker does then is its fallback.
 */
export async function readyWithFakeGpu(python: string, workerScript: string, modelDir: string): Promise<{ ready: Record<string, unknown>; stderr: string }> {
  const boot = 'import ctranslate2, runpy, sys; ctranslate2.get_cuda_device_count = lambda: 1; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")';
  const child = spawn(python, ['-c', boot, workerScript, '--model-dir', modelDir, '--device', 'auto'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  child.stdin.end();
  await exited;
  return { ready: JSON.parse(line.toString().split('\n')[0]!) as Record<string, unknown>, stderr };
}
