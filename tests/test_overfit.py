"""Every modality end to end: a full model trains for seconds on CPU on a handful of pairs,
then real decoding (beam search, no teacher forcing) reproduces every sentence exactly."""

import torch
from helpers import (
    CAPTIONS,
    ENGLISH,
    FRENCH,
    SHAPE_BOXES,
    TRANSCRIPTS,
    draw_shapes,
    fit,
    text_config,
    tiny_decoder,
    write_sounds,
)

from multimodal.caption_text import sentence_case
from multimodal.model import build_model
from multimodal.pipeline import Pipeline
from multimodal.preprocess import Preprocessor
from multimodal.tokenizer import Tokenizer

CAPTION_TEXTS = [sentence_case(c) for c in CAPTIONS]  # what the pipeline writes: sentences


def _decode(task, model, config, tokenizers, inputs):
    pipe = Pipeline(model.eval(), config, tokenizers, torch.device("cpu"))
    return [p.text for p in pipe.predict(inputs, beam=3)]


def test_text_encoder_overfits(tmp_path):
    torch.manual_seed(0)
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    config = text_config(source, target)
    model = build_model(config)
    fit(model, FRENCH, ENGLISH, Preprocessor("text", {}, source), target, tmp_path, 150)
    assert _decode("translate", model, config, {"source": source, "target": target},
                   FRENCH) == ENGLISH


def lite0_config(target: Tokenizer) -> dict:
    """The pretrained Lite0 trunk stays frozen, as in the shipped captioner."""
    return {"task": "caption",
            "encoder": {"name": "efficientnet_lite0", "args": {"d_model": 64}},
            "decoder": tiny_decoder(len(target)),
            "preprocessing": {"image_size": 96, "mean": [0.5] * 3, "std": [0.5] * 3},
            "search": {"max_len_b": 40}}


def test_image_cnn_overfits(tmp_path):
    torch.manual_seed(0)
    images = draw_shapes(tmp_path)
    target = Tokenizer.train(CAPTIONS, 40)
    config = lite0_config(target)
    model = build_model(config)
    fit(model, images, CAPTIONS, Preprocessor("image", config["preprocessing"]), target,
        tmp_path / "run", 120, lr=3e-3)
    assert _decode("caption", model, config, {"target": target}, images) == CAPTION_TEXTS


def test_caption_attention_learns_to_look_at_the_drawn_objects(tmp_path):
    """The region prior: with it, the words' attention sits on the shapes' boxes."""
    from multimodal.losses import off_regions

    images = draw_shapes(tmp_path)
    target = Tokenizer.train(CAPTIONS, 40)
    config = lite0_config(target)
    on_objects = {}
    for weight in (0.0, 1.0):
        torch.manual_seed(0)
        model = build_model(config)
        fit(model, images, CAPTIONS, Preprocessor("image", config["preprocessing"]), target,
            tmp_path / f"run{weight}", 120, lr=3e-3, regions=[[b] for b in SHAPE_BOXES],
            guided_attention=weight)
        pipe = Pipeline(model.eval(), config, {"target": target}, torch.device("cpu"))
        predictions = pipe.predict(images, beam=1)
        assert [p.text for p in predictions] == CAPTION_TEXTS
        mass = [float((torch.from_numpy(p.attention)
                       * (1 - off_regions(torch.tensor([[box]]), p.attention.shape[1]))).sum(1)
                      .mean()) for p, box in zip(predictions, SHAPE_BOXES, strict=True)]
        on_objects[weight] = sum(mass) / len(mass)
    assert on_objects[1.0] > 0.9 and on_objects[1.0] > on_objects[0.0] + 0.1, on_objects


def test_audio_cnn_bilstm_overfits(tmp_path):
    torch.manual_seed(0)
    sounds = write_sounds(tmp_path)
    target = Tokenizer.train(TRANSCRIPTS, 40)
    config = {"task": "transcribe",
              "encoder": {"name": "cnn_bilstm",
                          "args": {"d_model": 64, "conv_channels": 8, "lstm_layers": 1,
                                   "n_mels": 40, "dropout": 0.0, "spec_augment": False}},
              # location-aware attention and a joint CTC loss, as the shipped recogniser
              "decoder": {**tiny_decoder(len(target)), "attention": "location"},
              "preprocessing": {"sample_rate": 16000}, "search": {"max_len_b": 40},
              "ctc_weight": 0.5}
    model = build_model(config)
    assert model.ctc_head is not None
    fit(model, sounds, TRANSCRIPTS, Preprocessor("audio", config["preprocessing"]), target,
        tmp_path / "run", 150)
    assert _decode("transcribe", model, config, {"target": target}, sounds) == TRANSCRIPTS
