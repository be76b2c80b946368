"""Device choice: CUDA when present, else MPS, else CPU; an explicit choice is checked."""

from __future__ import annotations

import contextlib

import torch

from .errors import MultimodalError


def pick_device(name: str | None = None) -> torch.device:
    if name in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise MultimodalError(f"unknown device {name!r} (try cpu, cuda, cuda:1, mps)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise MultimodalError("CUDA was asked for but no CUDA GPU is available here")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise MultimodalError("MPS was asked for but is not available here")
    return device


def describe(device: torch.device) -> str:
    """A short human name: the GPU's model, or 'CPU'."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"CPU ({threads} thread{'s' if threads != 1 else ''})"
    return device.type.upper()


def autocast(device: torch.device):
    """Training: bf16 autocast on CUDA, nothing elsewhere."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def full_precision(device: torch.device):
    """Inference: plain fp32, TF32 convolutions off too, so that the GPU says what the CPU
    says (under bf16 a near tie in the caption search came out another word); these models
    are small enough that the GPU's time goes to launching kernels, not to arithmetic."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    return torch.backends.cudnn.flags(enabled=True, allow_tf32=False, fp32_precision="ieee")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
