"""Training data: readers for COCO captions, path/text manifests, LibriSpeech and sentence pairs."""

from .readers import (
    Example,
    read_coco_captions,
    read_examples,
    read_librispeech,
    read_manifest,
    read_sentence_pairs,
)

__all__ = ["Example", "read_coco_captions", "read_examples", "read_librispeech", "read_manifest",
           "read_sentence_pairs"]
