"""Shared by the whisper workers of stt-live and stt-post: which device to run on, and loading the
model there. Imported from the repository's python/ folder (the images copy it to /app/python)."""

import ctypes
import logging

import ctranslate2
from faster_whisper import WhisperModel

log = logging.getLogger("whisper_device")

# What CTranslate2 loads on a GPU: CUDA 12 cuBLAS and cuDNN 9 (the `gpu` image target ships both).
CUDA_LIBRARIES = ("libcublas.so.12", "libcudnn.so.9")


def missing_cuda_libraries():
    """The CUDA libraries of CUDA_LIBRARIES that the dynamic loader cannot find."""
    missing = []
    for name in CUDA_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def load_model(args, warm_up):
    """Loads the model on args.device. `auto` takes the GPU only when one is present and usable:
    without its libraries, or when the first inference on it fails, it logs why and uses the CPU
    (CTranslate2 itself would fail at the first transcription instead). Returns (model, device,
    compute_type)."""
    device = args.device
    if device == "auto":
        device = "cpu"
        if ctranslate2.get_cuda_device_count() > 0:
            missing = missing_cuda_libraries()
            if missing:
                log.warning("a CUDA device is present but %s cannot be loaded (use the gpu image); "
                            "falling back to the CPU", ", ".join(missing))
            else:
                device = "cuda"

    def load(on):
        compute_type = args.compute_type or ("float16" if on == "cuda" else "int8")
        model = WhisperModel(args.model_dir, device=on, compute_type=compute_type,
                             cpu_threads=args.threads, num_workers=1)
        warm_up(model, on)
        return model, on, compute_type

    if args.device == "auto" and device == "cuda":
        try:
            return load("cuda")
        except (RuntimeError, OSError) as err:
            log.warning("the CUDA device failed (%s); falling back to the CPU", err)
    return load(device)
