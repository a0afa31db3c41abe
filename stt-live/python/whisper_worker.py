"""Long-lived faster-whisper worker for stt-live's WhisperEngine.

Loads one model, prints {"ready": true, "model", "device", "multilingual", "languages"} on stdout, then answers JSON lines from stdin:
  {"id": N, "op": "transcribe", "pcm": "<base64 int16 LE 16 kHz mono>", "language": "en"|null,
   "prompt": "optional previous text"}
  -> {"id": N, "text": ..., "language": ..., "segments": [{"start", "end", "text"}],
      "audioSeconds": x, "elapsedSeconds": y}   or   {"id": N, "error": "..."}
stdout carries only protocol lines; logs go to stderr. Exits when stdin closes.
"""

import argparse
import base64
import binascii
import json
import logging
import os
import sys
import time

# Model folders are complete (tokenizer.json included): never reach for the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from faster_whisper.tokenizer import Tokenizer  # noqa: E402
from faster_whisper.transcribe import get_suppressed_tokens  # noqa: E402
# Helpers both whisper workers share live in the repository's python/ folder (/app/python in the images).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from whisper_device import load_model  # noqa: E402

SAMPLE_RATE = 16_000
MAX_FRAMES = 3000  # whisper's 30 s input, 100 mel frames a second
MAX_NEW_TOKENS = 200
PROMPT_TOKENS = 64
NO_SPEECH_THRESHOLD = 0.5  # whisper uses 0.6; base on 2 s of silence says 0.56 (and "you")
LOGPROB_THRESHOLD = -1.0
log = logging.getLogger("whisper_worker")



def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--compute-type", default=None, help="default: int8 on CPU, float16 on CUDA")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for one transcription")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--context-seconds", type=float, default=10.0,
                        help="encoder input length (whisper's standard is 30)")
    return parser.parse_args()


def send(message):
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class Decoder:
    """One loaded model and the decoding settings every window shares."""

    def __init__(self, model, beam_size, context_seconds):
        self.model = model
        self.beam_size = beam_size
        # Whisper's encoder always sees 30 s: faster-whisper zero-pads every window to 3000 frames, and on
        # 2 cores that padding is most of the cost (base: ~1.2 s per window). The encoder accepts a
        # shorter input, so a window is padded only to context_seconds (default 10 s): about 3x faster,
        # with no WER loss on 3-5 s windows. Much shorter contexts make whisper repeat itself.
        self.context_frames = int(context_seconds * 100)
        self.tokenizers = {}

    def tokenizer(self, language):
        if language not in self.tokenizers:
            self.tokenizers[language] = Tokenizer(
                self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe", language=language
            )
        return self.tokenizers[language]

    def transcribe(self, audio, language, prompt):
        model = self.model
        features = model.feature_extractor(audio)
        frames = features.shape[-1]
        if frames > MAX_FRAMES:
            raise ValueError("a window must be at most 30 s long")
        target = min(MAX_FRAMES, max(self.context_frames, frames))
        encoder_output = model.encode(np.pad(features, ((0, 0), (0, target - frames))))
        if not model.model.is_multilingual:
            language = "en"
        elif language is None:
            token, _ = model.model.detect_language(encoder_output)[0][0]
            language = token[2:-2]
        tokenizer = self.tokenizer(language)
        # Previous text as context, as faster-whisper's initial_prompt does (kept short: it costs decoding).
        previous = tokenizer.encode(" " + prompt.strip())[-PROMPT_TOKENS:] if prompt else []
        sot = model.get_prompt(tokenizer, previous, without_timestamps=True)
        result = model.model.generate(
            encoder_output,
            [sot],
            beam_size=self.beam_size,
            # A 5 s window holds ~20 tokens: the cap bounds a runaway repetition loop.
            max_length=len(sot) + min(MAX_NEW_TOKENS, 16 + int(len(audio) / SAMPLE_RATE * 12)),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        )[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        # Whisper's own silence rule: likely no speech and a low-confidence text mean noise, not words.
        text = tokenizer.decode(tokens).strip()
        if result.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOGPROB_THRESHOLD:
            return "", language
        if not any(c.isalnum() for c in text):  # a lone "." or "..." on noise
            return "", language
        return collapse_repeats(text), language


def collapse_repeats(text):
    """Drops an immediately repeated run of 3+ words ("a b c. a b c." -> "a b c."), whisper's typical
    hallucination on a short window, which the temperature fallback would otherwise cure at 2-5x the cost."""
    words = text.split()
    changed = True
    while changed:
        changed = False
        for n in range(len(words) // 2, 2, -1):
            for i in range(len(words) - 2 * n + 1):
                if [w.strip(".,!?").lower() for w in words[i : i + n]] == [
                    w.strip(".,!?").lower() for w in words[i + n : i + 2 * n]
                ]:
                    del words[i + n : i + 2 * n]
                    changed = True
                    break
            if changed:
                break
    return " ".join(words)


def handle(decoder, request):
    pcm = base64.b64decode(request.get("pcm") or "", validate=True)
    if len(pcm) % 2:
        raise ValueError("pcm must hold whole int16 samples")
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    audio_seconds = len(audio) / SAMPLE_RATE
    language = request.get("language") or None
    started = time.perf_counter()
    text = ""
    if audio_seconds >= 0.1:
        text, language = decoder.transcribe(audio, language, request.get("prompt") or None)
    return {
        "id": request.get("id"),
        "text": text,
        "language": language or "en",
        "segments": [{"start": 0.0, "end": round(audio_seconds, 3), "text": text}] if text else [],
        "audioSeconds": round(audio_seconds, 3),
        "elapsedSeconds": round(time.perf_counter() - started, 3),
    }


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="whisper_worker: %(message)s")
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    args = parse_args()
    started = time.perf_counter()
    # The first call allocates buffers and is several times slower: pay it before reporting ready
    # (on a GPU it also proves that the CUDA libraries work).
    model, device, compute_type = load_model(
        args, lambda m, _on: Decoder(m, args.beam_size, args.context_seconds).transcribe(
            np.zeros(SAMPLE_RATE, dtype=np.float32), "en", None))
    decoder = Decoder(model, args.beam_size, args.context_seconds)
    name = os.path.basename(os.path.normpath(args.model_dir))
    log.info("loaded %s on %s (%s) in %.1fs", name, device, compute_type, time.perf_counter() - started)
    send({"ready": True, "model": name, "device": device, "computeType": compute_type,
          "multilingual": model.model.is_multilingual, "languages": model.supported_languages})

    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object")
            request_id = request.get("id")
            if request.get("op") != "transcribe":
                raise ValueError(f"unknown op {request.get('op')!r}")
            send(handle(decoder, request))
        except (ValueError, binascii.Error) as error:
            send({"id": request_id, "error": str(error)})
        except Exception as error:  # a failed window must not take every stream down with it
            log.exception("transcription failed")
            send({"id": request_id, "error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
