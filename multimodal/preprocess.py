"""Raw input -> encoder tensor, and tensors -> padded batch: shared by inference and training
so that a model always sees its inputs prepared the same way."""

from __future__ import annotations

import torch

from .inputs import clean_text, image_tensor, load_audio, load_image, split_sentences
from .inputs.audio_split import split_at_pauses
from .inputs.text import require_latin_script
from .tokenizer import EOS_ID, PAD_ID, Tokenizer

MAX_SEGMENT_SECONDS = 20.0  # audio decoded in one piece; a bundle may set its own


def pad_batch(seqs: list[torch.Tensor], pad_value=0) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad tensors [T, ...] along their first dimension to one [B, T, ...] tensor;
    also return their lengths."""
    lengths = torch.tensor([len(s) for s in seqs])
    out = seqs[0].new_full((len(seqs), int(lengths.max()), *seqs[0].shape[1:]), pad_value)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


class Preprocessor:
    def __init__(self, modality: str, settings: dict, source_tokenizer: Tokenizer | None = None):
        self.modality, self.settings, self.source_tokenizer = modality, settings, source_tokenizer

    def __call__(self, item) -> torch.Tensor:
        """One raw input -> the tensor the encoder reads (raises InputError)."""
        s = self.settings
        if self.modality == "image":
            return image_tensor(load_image(item), s["image_size"], s["mean"], s["std"])
        if self.modality == "audio":
            return load_audio(item, s["sample_rate"])
        return self._ids(clean_text(item))

    def segments(self, item) -> list[torch.Tensor]:
        """One raw input -> the pieces decoded separately: a text's sentences and a long
        recording's chunks cut at pauses (so long inputs are handled whole, never cut off),
        otherwise the input itself."""
        if self.modality == "audio":
            s = self.settings
            return split_at_pauses(self(item), s["sample_rate"],
                                   s.get("max_segment_seconds", MAX_SEGMENT_SECONDS))
        if self.modality != "text":
            return [self(item)]
        text = clean_text(item)
        require_latin_script(text)
        return [self._ids(sentence) for sentence in split_sentences(text)]

    def _ids(self, text: str) -> torch.Tensor:
        return torch.tensor(self.source_tokenizer.encode(text) + [EOS_ID], dtype=torch.long)

    def collate(self, tensors: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """-> (batch, lengths); images have one size, so no lengths."""
        if self.modality == "image":
            return torch.stack(tensors), None
        return pad_batch(tensors, PAD_ID if self.modality == "text" else 0.0)
