"""Inputs as people have them: every image mode, any audio layout, messy text; and a clear
InputError, never a crash, for what cannot be used."""

import io

import numpy as np
import pytest
import soundfile
from PIL import Image

from multimodal.errors import InputError
from multimodal.inputs import clean_text, image_tensor, load_audio, load_image, split_sentences
from multimodal.inputs.image import MAX_IMAGE_PIXELS
from multimodal.inputs.text import require_latin_script


@pytest.mark.parametrize("mode, ext", [("L", "png"), ("P", "gif"), ("CMYK", "jpg"),
                                       ("I;16", "png"), ("RGBA", "webp"), ("RGB", "bmp"),
                                       ("LA", "png")])
def test_every_image_mode_becomes_rgb(tmp_path, mode, ext):
    img = Image.new("RGB", (40, 30), (200, 30, 30)).convert(mode)
    path = tmp_path / f"x.{ext}"
    img.save(path)
    out = load_image(path)
    assert out.mode == "RGB" and out.size == (40, 30)
    x = image_tensor(out, 32, [0.5] * 3, [0.5] * 3)
    assert x.shape == (3, 32, 32)


def test_transparency_is_composited_on_white(tmp_path):
    img = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    img.putpixel((0, 0), (255, 0, 0, 255))
    img.save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    assert out.getpixel((5, 5)) == (255, 255, 255) and out.getpixel((0, 0)) == (255, 0, 0)


def test_exif_orientation_is_honoured(tmp_path):
    img = Image.new("RGB", (40, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    img.save(tmp_path / "r.jpg", exif=exif)
    assert load_image(tmp_path / "r.jpg").size == (20, 40)


def test_gif_first_frame_and_tiny_images(tmp_path):
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "green")]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    assert load_image(tmp_path / "a.gif").getpixel((4, 4))[0] > 200
    Image.new("RGB", (1, 1), "red").save(tmp_path / "one.png")
    assert image_tensor(load_image(tmp_path / "one.png"), 32, [0.5] * 3,
                        [0.5] * 3).shape == (3, 32, 32)


def test_bad_images_give_clear_errors(tmp_path):
    (tmp_path / "text.png").write_text("this is not an image")
    with pytest.raises(InputError, match="not an image"):
        load_image(tmp_path / "text.png")
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buf, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[:200])
    with pytest.raises(InputError, match="corrupt or truncated"):
        load_image(tmp_path / "cut.jpg")
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "missing.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(tmp_path / "empty.png")
    side = int(MAX_IMAGE_PIXELS**0.5) + 100  # a bomb: tiny file, huge canvas
    Image.new("1", (side, side)).save(tmp_path / "bomb.png")
    with pytest.raises(InputError, match="pixel"):
        load_image(tmp_path / "bomb.png")


def test_stereo_48k_integer_audio_becomes_16k_mono(tmp_path):
    t = np.arange(48000) / 48000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], 1)
    soundfile.write(tmp_path / "s.wav", (stereo * 20000).astype(np.int16), 48000,
                    subtype="PCM_16")
    wave = load_audio(tmp_path / "s.wav", 16000)
    assert wave.shape == (16000,) and 0.5 < wave.abs().max() < 0.7
    wave = load_audio((48000, (stereo * 20000).astype(np.int16)), 16000)  # Gradio's form
    assert wave.shape == (16000,) and 0.5 < wave.abs().max() < 0.7
    soundfile.write(tmp_path / "u8.wav", (stereo * 0.5), 48000, subtype="PCM_U8")
    assert load_audio(tmp_path / "u8.wav", 16000).shape == (16000,)


def test_bad_audio_gives_clear_errors(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_audio(tmp_path / "empty.wav", 16000)
    soundfile.write(tmp_path / "zero.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(InputError, match="no audio samples"):
        load_audio(tmp_path / "zero.wav", 16000)
    soundfile.write(tmp_path / "silent.wav", np.zeros(16000, np.float32), 16000)
    with pytest.raises(InputError, match="silent"):
        load_audio(tmp_path / "silent.wav", 16000)
    (tmp_path / "fake.wav").write_text("RIFF but not really a wave file" * 10)
    with pytest.raises(InputError, match="not an audio file"):
        load_audio(tmp_path / "fake.wav", 16000)


def test_text_is_cleaned_and_bounded():
    assert clean_text("  Bonjour\tle\x00 monde\n ") == "Bonjour le monde"
    assert clean_text("e\u0301te\u0301") == "\u00e9t\u00e9"  # NFC
    for bad in ("", "   \n\t ", "\x00\x01"):
        with pytest.raises(InputError, match="empty"):
            clean_text(bad)
    with pytest.raises(InputError, match="limit"):
        clean_text("a" * 100_001)
    with pytest.raises(InputError, match="expected text"):
        clean_text(None)


def test_sentences_are_split_without_losing_words():
    text = "Il pleut. Je reste ici! ¿Vienes? «Oui», dit-il. Ende am 3. Mai. Mot " + "mot, " * 130
    parts = split_sentences(clean_text(text))
    assert parts[:5] == ["Il pleut.", "Je reste ici!", "¿Vienes?", "«Oui», dit-il.",
                         "Ende am 3. Mai."]
    assert all(len(p.split()) <= 50 for p in parts)
    assert " ".join(parts).split() == clean_text(text).split()  # nothing dropped


def test_other_scripts_are_refused_clearly():
    require_latin_script("Le café est prêt, ça va ?")
    require_latin_script("Le mot «Москва» est russe.")  # a little foreign text is fine
    with pytest.raises(InputError, match="Cyrillic"):
        require_latin_script("Привет, как дела?")
    with pytest.raises(InputError, match="Cjk"):
        require_latin_script("今天天气很好")
