from pathlib import Path

import pytest

from multimodal.caption_text import mend_articles, sentence_case, wants_an
from multimodal.tokenizer import Tokenizer

TOKENIZER = Path(__file__).parents[1] / "weights" / "caption-lite0" / "target.model"


@pytest.fixture(scope="module")
def tok():
    return Tokenizer.from_file(TOKENIZER)


def mended(tok, text):
    return tok.decode(mend_articles(tok.encode(text), tok))


@pytest.mark.parametrize("word, an", [("envelope", True), ("koala", False), ("owl", True),
                                      ("unicorn", False), ("hour", True), ("umbrella", True),
                                      ("house", False), ("euro", False), ("Apple", True),
                                      ("F", True), ("B", False)])
def test_wants_an(word, an):
    assert wants_an(word) is an


@pytest.mark.parametrize("text, expected", [
    ("A envelope.", "An envelope."),
    ("An koala.", "A koala."),
    ("A red car to the left of a owl.", "A red car to the left of an owl."),
    ("An umbrella above a apple.", "An umbrella above an apple."),
    ("A unicorn.", "A unicorn."),
    ("A koala.", "A koala."),
])
def test_articles_agree_with_the_next_word(tok, text, expected):
    assert mended(tok, text) == expected


def test_a_piece_inside_a_word_is_not_an_article(tok):
    tokens = tok.encode("An apple and a banana.")
    assert mend_articles(tokens, tok) == tokens
    assert mended(tok, "A pineapple.") == "A pineapple."


def test_the_count_of_pieces_never_changes(tok):
    tokens = tok.encode("A envelope to the right of an koala.")
    assert len(mend_articles(tokens, tok)) == len(tokens)


def test_id_of(tok):
    assert tok.pieces([tok.id_of("▁An")]) == ["▁An"]
    assert tok.id_of("▁no-such-piece-here") is None


def test_captions_are_mended_in_the_pipeline_with_their_pieces(monkeypatch):
    import torch
    from PIL import Image

    import multimodal
    from multimodal.search import Hypothesis

    pipe = multimodal.load(TOKENIZER.parent, device="cpu")
    tok = pipe.tokenizers["target"]
    said = tok.encode("a envelope.")

    def generate(x, lengths, options, word_prior):
        return [[Hypothesis(said, -1.0, -1.0, torch.full((len(said), 49), 1 / 49), True)]
                for _ in range(len(x))]

    monkeypatch.setattr(pipe.model, "generate", generate)
    [pred] = pipe.predict([Image.new("RGB", (32, 32), "white")])
    assert pred.text == "An envelope."  # the article mended, then the capital
    assert pred.tokens[0] == "▁an" and len(pred.tokens) == pred.attention.shape[0]


@pytest.mark.parametrize("text, expected", [("chitons.", "Chitons."), ("A koala.", "A koala."),
                                            ("A  hair slide.", "A hair slide."), ("", "")])
def test_sentence_case(text, expected):
    assert sentence_case(text) == expected
