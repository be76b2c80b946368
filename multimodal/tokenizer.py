"""SentencePiece tokenizers, trained by the project's own code, and the special tokens.

The special token ids live here and only here: every model, the search and the bundles
read them from this module.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm

from .errors import MultimodalError

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
SPECIAL_IDS = (PAD_ID, UNK_ID, BOS_ID, EOS_ID)


class Tokenizer:
    """Text <-> ids through a SentencePiece model held in memory (bundles carry its bytes)."""

    def __init__(self, model_proto: bytes):
        self.model_proto = model_proto
        self.sp = spm.SentencePieceProcessor(model_proto=model_proto)
        ids = (self.sp.pad_id(), self.sp.unk_id(), self.sp.bos_id(), self.sp.eos_id())
        if ids != SPECIAL_IDS:
            raise ValueError(f"tokenizer special ids {ids} differ from {SPECIAL_IDS}")

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        vocab_size: int,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
        byte_fallback: bool = False,
    ) -> Tokenizer:
        """Train on `texts`; a small corpus may yield fewer pieces than `vocab_size`."""
        sentences = [t.strip() for t in texts if t and t.strip()]
        if not sentences:
            raise MultimodalError("cannot train a tokenizer on no text")
        proto = io.BytesIO()
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(sentences), model_writer=proto, vocab_size=vocab_size,
                model_type=model_type, character_coverage=character_coverage,
                byte_fallback=byte_fallback, hard_vocab_limit=False, pad_id=PAD_ID,
                unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID, input_sentence_size=2_000_000,
                shuffle_input_sentence=True, minloglevel=2, num_threads=2)
        except RuntimeError as err:  # e.g. a vocabulary smaller than the alphabet
            raise MultimodalError(f"cannot train a {vocab_size}-piece tokenizer: "
                                  f"{str(err).split('] ')[-1]}") from None
        return cls(proto.getvalue())

    @classmethod
    def from_file(cls, path: str | Path) -> Tokenizer:
        return cls(Path(path).read_bytes())

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.model_proto)

    def __len__(self) -> int:
        return self.sp.get_piece_size()

    def encode(self, text: str, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = self.sp.encode(text)
        return ([BOS_ID] if add_bos else []) + ids + ([EOS_ID] if add_eos else [])

    def decode(self, ids: Iterable[int]) -> str:
        return self.sp.decode([i for i in ids if i not in (PAD_ID, BOS_ID, EOS_ID)])

    def id_of(self, piece: str) -> int | None:
        """The id of a piece spelled as the vocabulary spells it ("▁An"), None if absent."""
        i = self.sp.piece_to_id(piece)
        return None if i == UNK_ID and piece != self.sp.id_to_piece(UNK_ID) else i

    def pieces(self, ids: Iterable[int]) -> list[str]:
        """The surface piece of each id, for attention plots (special ids shown by name)."""
        names = {PAD_ID: "<pad>", BOS_ID: "<s>", EOS_ID: "</s>"}
        return [names.get(i) or self.sp.id_to_piece(i) for i in ids]
