#!/usr/bin/env node
// Stands in for `python transcribe_worker.py` in unit tests: speaks the same JSON-lines protocol.
// argv: [script.py, --model-dir, DIR, ...]. DIR "fail-load" exits before ready. A request's path
// decides the answer: "die" exits, "slow" reports progress until cancelled, "error" fails, else a result.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { clearInterval, setInterval } from 'node:timers';

const modelDir = process.argv[process.argv.indexOf('--model-dir') + 1];
if (modelDir === 'fail-load') process.exit(3);
const send = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);
send({ ready: true, model: 'fake', device: 'cpu', computeType: 'int8', multilingual: true });
const slow = new Map();
createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  if (req.op === 'cancel') {
    clearInterval(slow.get(req.id));
    slow.delete(req.id);
    send({ id: req.id, error: 'cancelled' });
    return;
  }
  if (req.path.includes('die')) process.exit(1);
  if (req.path.includes('error')) return send({ id: req.id, error: 'ValueError: bad file' });
  if (req.path.includes('slow')) {
    let p = 0;
    slow.set(req.id, setInterval(() => send({ id: req.id, progress: (p = Math.min(0.99, p + 0.01)) }), 20));
    return;
  }
  send({ id: req.id, progress: 0.5 });
  send({ id: req.id, language: req.language ?? 'en', durationSeconds: 2, segments: [{ start: 0, end: 1.5, text: `said ${req.path}` }] });
});
