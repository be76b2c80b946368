"""Model bundles: a folder with `config.json`, `model.safetensors`, the SentencePiece models
and a model card. Nothing is ever unpickled; tensors load onto any device.

    weights/translate-birnn/
        config.json        format_version, task, encoder {name, args}, decoder args,
                           tokenizers, preprocessing, search defaults, metadata
        model.safetensors  our own weights (fp16 or fp32)
        target.model       SentencePiece model(s) named in config["tokenizers"]
        MODEL_CARD.md
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .errors import BundleError
from .model import EncoderDecoder, build_model
from .tokenizer import Tokenizer

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "MODEL_CARD.md"
TASKS = {"caption": "image", "transcribe": "audio", "translate": "text"}


def _unique_state(model: EncoderDecoder) -> dict[str, torch.Tensor]:
    """The stored state with tied tensors (shared storage) kept once, under their first name."""
    seen, state = set(), {}
    for name, tensor in model.stored_state_dict().items():
        key = (tensor.data_ptr(), tensor.shape, tensor.dtype)
        if key not in seen:
            seen.add(key)
            state[name] = tensor
    return state


PRECISIONS = ("fp32", "fp16", "int8")
INT8_SCALE = ".int8_scale"  # suffix of the per-row scales of an int8-stored matrix


def store_tensor(name: str, tensor: torch.Tensor, precision: str) -> dict[str, torch.Tensor]:
    """One tensor as stored: fp16 halves floats; int8 also keeps big matrices (and 1x1
    convolutions, which are matrices too) as int8 rows with an fp16 scale each (symmetric,
    absmax), about a quarter of fp32."""
    if not tensor.is_floating_point() or precision == "fp32":
        return {name: tensor}
    matrix = tensor.dim() == 2 or (tensor.dim() == 4 and tensor.shape[2:] == (1, 1))
    if precision == "int8" and matrix and tensor.numel() >= 4096:
        rows = tensor.flatten(1)
        scale = (rows.abs().amax(1, keepdim=True) / 127).clamp(min=1e-8)
        q = torch.round(rows / scale).clamp(-127, 127).to(torch.int8).view_as(tensor)
        return {name: q, name + INT8_SCALE: scale.squeeze(1).half()}
    return {name: tensor.half()}


def restore_tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Stored tensors -> float tensors (int8 rows times their scales)."""
    out = {}
    for name, tensor in state.items():
        if name.endswith(INT8_SCALE):
            continue
        scale = state.get(name + INT8_SCALE)
        if scale is not None:  # one scale per row (per output channel of a 1x1 conv)
            tensor = tensor.float() * scale.float().view(-1, *[1] * (tensor.dim() - 1))
        out[name] = tensor
    return out


def save_bundle(path: str | Path, model: EncoderDecoder, config: dict,
                tokenizers: dict[str, Tokenizer], precision: str = "fp32",
                card: str | None = None) -> Path:
    """Write a bundle, storing weights as fp32, fp16 or int8 (they load back as fp32)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    config = json.loads(json.dumps(config))  # a deep copy that is surely JSON
    config["format_version"] = FORMAT_VERSION
    config["tokenizers"] = {role: f"{role}.model" for role in tokenizers}
    config.setdefault("metadata", {})["parameters"] = model.num_parameters()
    config["precision"] = precision
    state = {}
    for name, tensor in _unique_state(model).items():
        state.update(store_tensor(name, tensor.detach().to("cpu").contiguous(), precision))
    save_file(state, path / WEIGHTS_NAME, metadata={"format": "multimodal-bundle"})
    for role, tok in tokenizers.items():
        tok.save(path / f"{role}.model")
    (path / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    if card is not None:
        (path / CARD_NAME).write_text(card)
    return path


def read_config(path: str | Path) -> tuple[Path, dict]:
    """The bundle folder and its validated config (a config.json path is accepted too)."""
    path = Path(path)
    if path.name == CONFIG_NAME:
        path = path.parent
    if not path.exists():
        raise BundleError(f"{path}: no such model bundle")
    if not (path / CONFIG_NAME).is_file():
        raise BundleError(f"{path}: not a model bundle ({CONFIG_NAME} is missing)")
    try:
        config = json.loads((path / CONFIG_NAME).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{path / CONFIG_NAME}: not valid JSON ({err})") from None
    if not isinstance(config, dict) or "format_version" not in config:
        raise BundleError(f"{path}: {CONFIG_NAME} is not a multimodal bundle config")
    version = config["format_version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BundleError(f"{path}: bundle format {version!r} is newer than this version of "
                          f"multimodal reads ({FORMAT_VERSION}); upgrade multimodal")
    for key in ("task", "encoder", "decoder"):
        if key not in config:
            raise BundleError(f"{path}: {CONFIG_NAME} lacks {key!r}")
    if config["task"] not in TASKS:
        raise BundleError(f"{path}: unknown task {config['task']!r}")
    return path, config


def build_checked(config: dict, where) -> EncoderDecoder:
    """`build_model`, with a BundleError naming `where` for a config that builds no model."""
    try:
        return build_model(config)
    except (TypeError, ValueError, KeyError) as err:
        raise BundleError(f"{where}: the config does not describe a buildable model "
                          f"({err})") from None


def check_state(path, state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]):
    """Raise BundleError unless `state` has exactly the tensors, and shapes, of `expected`."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise BundleError(f"{path}: weights do not match the config (missing {missing[:3]}, "
                          f"unexpected {unexpected[:3]})")
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise BundleError(f"{path}: {name} has shape {tuple(tensor.shape)}, the config "
                              f"needs {tuple(expected[name].shape)}")


def load_bundle(path: str | Path, device: str | torch.device = "cpu"):
    """-> (model in eval mode on `device`, config, {role: Tokenizer})."""
    path, config = read_config(path)
    try:
        tokenizers = {role: Tokenizer.from_file(path / name)
                      for role, name in config.get("tokenizers", {}).items()}
    except (OSError, RuntimeError, ValueError) as err:
        raise BundleError(f"{path}: a tokenizer model is missing or broken ({err})") from None
    model = build_checked(config, path)
    try:
        state = restore_tensors(load_file(path / WEIGHTS_NAME, device="cpu"))
    except FileNotFoundError:
        raise BundleError(f"{path}: {WEIGHTS_NAME} is missing") from None
    except (SafetensorError, OSError, ValueError) as err:
        raise BundleError(f"{path}: {WEIGHTS_NAME} is corrupt or not a safetensors file "
                          f"({err})") from None
    expected = _unique_state(model)
    check_state(path, state, expected)
    for name, tensor in state.items():
        with torch.no_grad():
            expected[name].copy_(tensor)  # copy_ casts fp16 back to the model's dtype
    model.encoder.load_external_state()
    return model.to(device).eval(), config, tokenizers


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The float weights in a bundle folder, a .safetensors file or a run's checkpoint.pt
    (our trainer's own file, read with weights_only: no arbitrary unpickling)."""
    path = Path(path)
    if path.is_dir():
        path = path / WEIGHTS_NAME
    try:
        if path.suffix == ".pt":
            return torch.load(path, map_location="cpu", weights_only=True)["model"]
        return restore_tensors(load_file(path, device="cpu"))
    except FileNotFoundError:
        raise BundleError(f"{path}: no such weights file") from None
    except (SafetensorError, OSError, ValueError, RuntimeError, KeyError, TypeError,
            pickle.UnpicklingError) as err:
        raise BundleError(f"{path}: not readable weights ({err})") from None


def find_bundles(weights_dir: str | Path) -> list[tuple[Path, dict]]:
    """Every readable bundle directly under `weights_dir`, by name."""
    found = []
    for child in sorted(Path(weights_dir).glob("*/")):
        if (child / CONFIG_NAME).is_file():
            try:
                found.append(read_config(child))
            except BundleError:
                continue
    return found
