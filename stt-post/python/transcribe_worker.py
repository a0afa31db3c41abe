"""Long-lived faster-whisper worker for stt-post's WhisperFileEngine.

Loads one model, prints {"ready": true, ...} on stdout, then answers JSON lines from stdin:
  {"id": N, "op": "transcribe_file", "path": "/tmp/x.wav", "language": "en"|null}
  -> zero or more {"id": N, "progress": 0.0..1.0}
  -> {"id": N, "language": "en", "durationSeconds": x, "segments": [{"start", "end", "text"}]}
     or {"id": N, "error": "..."}
  {"op": "cancel", "id": N}: abandons request N (queued or running) with {"id": N, "error": "cancelled"}.
Requests run one at a time, in order. stdout carries only protocol lines; logs go to stderr.
Exits when stdin closes (a running transcription is abandoned at its next segment).
"""

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time

# Model folders are complete (tokenizer.json included; the VAD model ships in the wheel): never
# reach for the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from faster_whisper.tokenizer import _LANGUAGE_CODES  # noqa: E402
# Helpers both whisper workers share live in the repository's python/ folder (/app/python in the images).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from whisper_device import load_model  # noqa: E402

PROGRESS_INTERVAL_SECONDS = 0.5
log = logging.getLogger("transcribe_worker")
stdout_lock = threading.Lock()


class Cancelled(Exception):
    pass


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--compute-type", default=None, help="default: int8 on CPU, float16 on CUDA")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for one transcription")
    parser.add_argument("--beam-size", type=int, default=5)
    return parser.parse_args()


def send(message):
    with stdout_lock:
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
        sys.stdout.flush()


class Inbox:
    """Reads stdin on a thread so that a cancel (or stdin closing) reaches a running transcription."""

    def __init__(self):
        self.requests = queue.Queue()
        self.cancelled = set()
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise ValueError("a request must be a JSON object")
            except ValueError as error:
                send({"id": None, "error": f"bad request: {error}"})
                continue
            if request.get("op") == "cancel":
                self.cancelled.add(request.get("id"))
            else:
                self.requests.put(request)
        self.closed = True
        self.requests.put(None)

    def check(self, request_id):
        if self.closed:
            raise Cancelled("stdin closed")
        if request_id in self.cancelled:
            self.cancelled.discard(request_id)
            raise Cancelled("cancelled")


def transcribe_file(model, inbox, request, beam_size):
    request_id = request.get("id")
    path = request.get("path")
    if not isinstance(path, str) or not os.path.isfile(path):
        raise ValueError(f"no such file: {path!r}")
    language = request.get("language") or None
    if language is not None and language not in _LANGUAGE_CODES:
        log.warning("language %r is not one whisper knows; detecting it instead", language)
        language = None
    inbox.check(request_id)
    segments, info = model.transcribe(
        path, language=language, beam_size=beam_size, vad_filter=True, condition_on_previous_text=False
    )
    duration = info.duration or 0.0
    out = []
    last_progress = 0.0
    # The generator decodes lazily: each step is one ~30 s window, so progress and cancels land between them.
    for segment in segments:
        inbox.check(request_id)
        out.append({"start": round(segment.start, 3), "end": round(segment.end, 3), "text": segment.text.strip()})
        now = time.monotonic()
        if duration > 0 and now - last_progress >= PROGRESS_INTERVAL_SECONDS:
            last_progress = now
            send({"id": request_id, "progress": round(min(1.0, segment.end / duration), 4)})
    return {"id": request_id, "language": info.language, "durationSeconds": round(duration, 3), "segments": out}


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="transcribe_worker: %(message)s")
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    args = parse_args()
    started = time.perf_counter()
    # On a GPU, one short inference proves the CUDA libraries work before `ready` is reported.
    model, device, compute_type = load_model(
        args, lambda m, on: list(m.transcribe(np.zeros(16000, dtype=np.float32), language="en")[0])
        if on == "cuda" else None)
    name = os.path.basename(os.path.normpath(args.model_dir))
    log.info("loaded %s on %s (%s) in %.1fs", name, device, compute_type, time.perf_counter() - started)
    send({"ready": True, "model": name, "device": device, "computeType": compute_type,
          "multilingual": model.model.is_multilingual})

    inbox = Inbox()
    while True:
        request = inbox.requests.get()
        if request is None:
            break
        request_id = request.get("id")
        try:
            if request.get("op") != "transcribe_file":
                raise ValueError(f"unknown op {request.get('op')!r}")
            send(transcribe_file(model, inbox, request, args.beam_size))
        except Cancelled as error:
            if inbox.closed:
                break
            send({"id": request_id, "error": str(error)})
        except ValueError as error:
            send({"id": request_id, "error": str(error)})
        except Exception as error:  # one bad file must not take the worker down
            log.exception("transcription failed")
            send({"id": request_id, "error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
