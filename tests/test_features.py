"""Cached trunk features: the same numbers the encoder computes, computed once, resumable,
and a captioner reads them exactly as it reads pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from multimodal.encoders import build_encoder
from multimodal.features import GridFeatures, grid_features, has_frozen_part
from multimodal.preprocess import Preprocessor


@pytest.fixture
def pictures(tmp_path, monkeypatch):
    monkeypatch.setenv("MULTIMODAL_CACHE", str(tmp_path / "cache"))
    paths = []
    for i, colour in enumerate(((255, 0, 0), (0, 120, 255), (20, 200, 40))):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (80, 60), colour).save(path)
        paths.append(str(path))
    return paths


def _encoder():
    torch.manual_seed(0)
    encoder = build_encoder("resnet18", d_model=16, freeze=True).eval()
    prepare = Preprocessor("image", {"image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3})
    return encoder, prepare


def test_cached_maps_equal_the_trunk_and_feed_the_encoder(pictures):
    encoder, prepare = _encoder()
    assert has_frozen_part(encoder)
    cached = grid_features(encoder, "resnet18", prepare, pictures, torch.device("cpu"),
                           batch_size=2)
    images = torch.stack([prepare(p) for p in pictures])
    with torch.no_grad():
        direct = encoder.trunk(images)
        assert cached.shape == tuple(direct.shape) and cached.dtype == np.float16
        np.testing.assert_allclose(cached, direct.numpy(), rtol=1e-2, atol=1e-2)
        batch, lengths = GridFeatures(cached).collate([GridFeatures(cached)(i) for i in (0, 2)])
        assert lengths is None
        from_cache = encoder(batch).memory
        from_pictures = encoder(images[[0, 2]]).memory
    torch.testing.assert_close(from_cache, from_pictures, rtol=1e-2, atol=1e-2)


def test_a_second_call_reads_the_cache(pictures, monkeypatch):
    encoder, prepare = _encoder()
    first = np.array(grid_features(encoder, "resnet18", prepare, pictures, torch.device("cpu")))

    def no_trunk(*_):
        raise AssertionError("the trunk ran again")

    monkeypatch.setattr(encoder.trunk, "forward", no_trunk)
    again = grid_features(encoder, "resnet18", prepare, pictures, torch.device("cpu"))
    np.testing.assert_array_equal(first, again)


def test_a_trainable_trunk_is_never_cached():
    assert not has_frozen_part(build_encoder("resnet18", d_model=16, freeze=False))


def test_fine_tuning_caches_the_maps_that_enter_the_tuned_blocks(pictures):
    """resnet18 with layer4 fine-tuned: the cache holds layer3's maps, the encoder runs
    layer4 over them, and gradients reach layer4 as they would from the pictures."""
    _, prepare = _encoder()
    torch.manual_seed(0)
    encoder = build_encoder("resnet18", d_model=16, freeze=True, trainable_blocks=1).eval()
    assert has_frozen_part(encoder)
    cached = grid_features(encoder, "resnet18", prepare, pictures, torch.device("cpu"))
    whole, _ = _encoder()
    full = grid_features(whole, "resnet18", prepare, pictures, torch.device("cpu"))
    assert cached.shape[1] == 256 and full.shape[1] == 512  # a cache of its own
    images = torch.stack([prepare(p) for p in pictures])
    maps = GridFeatures(cached).collate([GridFeatures(cached)(i) for i in range(3)])[0]
    from_cache = encoder(maps).memory
    from_pictures = encoder(images).memory
    torch.testing.assert_close(from_cache, from_pictures, rtol=1e-2, atol=1e-2)
    from_cache.sum().backward()
    assert all(p.grad is not None for p in encoder.trainable[0].parameters())


def _pictures_through(encoder) -> list[int]:
    """Batch sizes that go through the trunk from now on (the shape probe's 1 included)."""
    seen: list[int] = []
    encoder.trunk[0].register_forward_hook(lambda _m, args, _o: seen.append(len(args[0])))
    return seen


def test_a_grown_picture_list_computes_only_its_new_or_changed_pictures(pictures):
    encoder, prepare = _encoder()
    first = np.array(grid_features(encoder, "resnet18", prepare, pictures[:2],
                                   torch.device("cpu")))
    seen = _pictures_through(encoder)
    grown = [pictures[2], pictures[0], pictures[1]]
    again = grid_features(encoder, "resnet18", prepare, grown, torch.device("cpu"))
    assert sum(seen) - 1 == 1  # the shape probe, then the one new picture
    np.testing.assert_array_equal(again[1:], first)  # rows copied, in the new order
    with torch.no_grad():
        direct = encoder.trunk(prepare(pictures[2])[None]).numpy()
    np.testing.assert_allclose(again[:1], direct, rtol=1e-2, atol=1e-2)

    Image.new("RGB", (90, 60), (250, 250, 0)).save(pictures[0])  # the picture redrawn
    seen.clear()
    redrawn = grid_features(encoder, "resnet18", prepare, [pictures[0], pictures[2]],
                            torch.device("cpu"))
    assert sum(seen) - 1 == 1  # the changed file is computed again, the other copied
    with torch.no_grad():
        direct = encoder.trunk(prepare(pictures[0])[None]).numpy()
    np.testing.assert_allclose(redrawn[:1], direct, rtol=1e-2, atol=1e-2)


def test_maps_are_reused_only_from_the_same_cut_of_the_trunk(pictures):
    encoder, prepare = _encoder()
    grid_features(encoder, "resnet18", prepare, pictures, torch.device("cpu"))
    torch.manual_seed(0)
    tuned = build_encoder("resnet18", d_model=16, freeze=True, trainable_blocks=1).eval()
    seen = _pictures_through(tuned)
    cached = grid_features(tuned, "resnet18", prepare, pictures[:2], torch.device("cpu"))
    assert sum(seen) - 1 == 2 and cached.shape[1] == 256
