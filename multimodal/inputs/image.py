"""Images in every common form -> RGB PIL image -> normalised tensor."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torchvision.transforms.v2 import functional as TF

from ..errors import InputError
from .files import checked_path

# Past this many pixels an image is refused as a likely decompression bomb.
MAX_IMAGE_PIXELS = 64_000_000


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any mode to RGB; transparency is composited on white, 16/32-bit is rescaled."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        span = arr.max() - arr.min()
        arr = (arr - arr.min()) / span * 255 if span else np.zeros_like(arr)
        img = Image.fromarray(arr.astype(np.uint8), "L")
    if img.mode == "P" and "transparency" in img.info or img.mode in ("LA", "PA", "La"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "RGBa"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img.convert("RGBA")).convert("RGB")
    return img.convert("RGB")


def load_image(src) -> Image.Image:
    """A path, PIL image or HxW(xC) uint8 array -> RGB PIL image (first frame, EXIF-upright)."""
    if isinstance(src, np.ndarray):
        try:
            src = Image.fromarray(src)
        except (TypeError, ValueError) as err:
            raise InputError(f"this array is not an image ({err})") from None
    if isinstance(src, Image.Image):
        return _to_rgb(ImageOps.exif_transpose(src) or src)
    path = checked_path(src, "image")
    name = Path(path).name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise InputError(f"{name}: {img.width}x{img.height} pixels is over the "
                                     f"{MAX_IMAGE_PIXELS // 1_000_000} megapixel limit")
                img.seek(0)
                img.load()
                upright = ImageOps.exif_transpose(img) or img
                return _to_rgb(upright)
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image file that can be read "
                         "(PNG, JPEG, WebP, GIF, BMP, TIFF)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"{name}: too many pixels (possible decompression bomb)") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise InputError(f"{name}: the image is corrupt or truncated ({err})") from None


def image_tensor(img: Image.Image, size: int, mean, std) -> torch.Tensor:
    """RGB image -> [3, size, size] float tensor, normalised as the encoder was trained."""
    x = TF.pil_to_tensor(img)
    x = TF.resize(x, [size, size], antialias=True)
    return TF.normalize(x.float() / 255.0, list(mean), list(std))
