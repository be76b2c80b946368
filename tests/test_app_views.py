"""The page's parts without a server: attention images, batched decoding with per-request
errors, the language guess."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from multimodal.web import views
from multimodal.web.decode import Request, decode
from multimodal.web.languages import guess_language
from multimodal.web.models import Models


def block_diagonal(sentences: int, rows: int = 6, cols: int = 9) -> np.ndarray:
    """What Pipeline.predict gives a long text: each sentence's rows see only its columns."""
    rng = np.random.default_rng(0)
    out = np.zeros((sentences * rows, sentences * cols), dtype=np.float32)
    for k in range(sentences):
        block = rng.random((rows, cols)).astype(np.float32)
        out[k * rows:(k + 1) * rows, k * cols:(k + 1) * cols] = block / block.sum(1, keepdims=True)
    return out


def test_sentences_are_recovered_from_the_matrix():
    blocks = views.segments(block_diagonal(3))
    assert blocks == [(0, 6, 0, 9), (6, 12, 9, 18), (12, 18, 18, 27)]


def test_a_huge_translation_draws_only_its_first_sentences():
    attention = block_diagonal(1500)  # about what a 100,000-character text gives
    source = [f"s{j}" for j in range(attention.shape[1])]
    target = [f"t{i}" for i in range(attention.shape[0])]
    image, note = views.translation_view(source, target, attention)
    assert "Sentences 1-8 of 1500" in note  # 8 sentences of 9 columns fit in 80
    assert image.width < 2000 and image.height < 2000


def test_caption_grid_is_square_and_tiles_follow_the_words():
    assert views.grid_shape(49) == (7, 7) and views.grid_shape(10) == (1, 10)
    picture = Image.new("RGB", (300, 200), "white")
    attention = np.eye(3, 49, dtype=np.float32)
    sheet, note = views.caption_view(picture, ["\u2581a", "\u2581dog", "."], attention)
    assert "7x7" in note and sheet.width > 300
    many, note = views.caption_view(picture, ["w"] * 30, np.ones((30, 4), np.float32) / 4)
    assert "first 24 of 30" in note


def test_speech_view_lines_up_words_and_spectrogram():
    image, note = views.speech_view(np.random.rand(80, 400), 4.0, ["\u2581hello", "\u2581world"],
                                    np.random.rand(2, 100))
    assert image.height > 110 + 2 * 20 and note == ""


def test_a_bad_request_fails_alone_and_the_rest_share_one_batch(untrained_bundles, tmp_path,
                                                                monkeypatch):
    from multimodal.pipeline import Pipeline

    calls = []
    real = Pipeline.predict
    monkeypatch.setattr(Pipeline, "predict", lambda self, items, **kw: calls.append(
        len(items)) or real(self, items, **kw))
    models = Models(untrained_bundles["caption"].parent, torch.device("cpu"))
    good = tmp_path / "red.png"
    Image.new("RGB", (40, 30), "red").save(good)
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    outcomes = decode(models, "caption", [Request(str(good)), Request(str(bad)),
                                          Request(str(good)), Request(None)])
    assert calls == [2]  # the two good requests, decoded together
    assert outcomes[0].prediction.text == outcomes[2].prediction.text
    assert "not an image file" in outcomes[1].error
    assert "Upload an image first" in outcomes[3].error
    assert outcomes[0].view is not None


def test_a_caption_made_with_the_word_prior_says_so(tmp_path):
    from helpers import lite0_caption_bundle

    weights = tmp_path / "weights"
    lite0_caption_bundle(weights, word_prior=0.25)
    picture = tmp_path / "red.png"
    Image.new("RGB", (40, 30), "red").save(picture)
    [outcome] = decode(Models(weights, torch.device("cpu")), "caption", [Request(str(picture))])
    assert not outcome.error
    assert any("word prior 0.25)." in note for note in outcome.notes)
    # with a name bank in the bundle, the note names it too
    import numpy as np

    from multimodal.name_bank import NameBank
    from multimodal.tune import write_search

    bundle = weights / "caption-lite0"
    NameBank.build(np.random.default_rng(0).random((4, 1280)), [["cat"]] * 4, 2).save(bundle)
    write_search(bundle, "name_bank", 1.0)
    [outcome] = decode(Models(weights, torch.device("cpu")), "caption", [Request(str(picture))])
    assert any("name bank 1)." in note for note in outcome.notes)


def test_no_model_is_said_plainly(tmp_path):
    models = Models(tmp_path, torch.device("cpu"))
    [outcome] = decode(models, "transcribe", [Request("x.wav")])
    assert outcome.error.startswith("No transcribe model is trained yet")


@pytest.mark.parametrize("text, lang", [("Le chat dort sur le canapé.", "fr"),
                                        ("El perro juega en el jardín.", "es"),
                                        ("Der Hund schläft im Garten.", "de"),
                                        ("Hello there", None)])
def test_language_guess(text, lang):
    assert guess_language(text) == lang


def test_an_empty_output_still_gets_a_view():
    """An untrained model may end at once: the page says so instead of failing."""
    picture = Image.new("RGB", (50, 40), "white")
    for image, _ in (views.caption_view(picture, [], np.zeros((0, 4), np.float32)),
                     views.speech_view(np.random.rand(80, 50), 0.5, [],
                                       np.zeros((0, 12), np.float32)),
                     views.translation_view(["a", "</s>"], [], np.zeros((0, 2), np.float32))):
        assert image.width > 100 and image.height > 10
