"""gradio_client against a running app: every endpoint answers with real outputs, bad
input gives a readable error, and the server keeps serving afterwards."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from app_helpers import EXAMPLES, SHIPPED, demo_weights, serving
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SHIPPED_TRANSLATOR = (SHIPPED / "translate-birnn" / "config.json").is_file()


@pytest.fixture(scope="module")
def client(untrained_bundles, tmp_path_factory):
    weights = demo_weights(tmp_path_factory.mktemp("app") / "weights", untrained_bundles)
    with serving(weights) as url:
        yield Client(url, verbose=False)


def is_png(path) -> bool:
    with Image.open(path) as img:
        return img.format == "PNG" and img.width > 10 and img.height > 10


def test_every_endpoint_is_named(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/caption", "/transcribe", "/translate", "/compare"} <= set(api)
    first = {name: api[name]["parameters"][0]["parameter_name"] for name in api}
    assert first["/caption"] == "image" and first["/transcribe"] == "audio"
    assert first["/translate"] == "text"
    assert [p["parameter_name"] for p in api["/compare"]["parameters"][:3]] == [
        "image", "audio", "text"]
    # Only the first input(s) are required: every other one has a default.
    for name, n_required in {"/caption": 1, "/transcribe": 1, "/translate": 1,
                             "/compare": 3}.items():
        optional = [p["parameter_has_default"] for p in api[name]["parameters"][n_required:]]
        assert all(optional), name


@pytest.mark.skipif(not SHIPPED_TRANSLATOR, reason="weights/translate-birnn is not shipped")
def test_translate_french_with_the_shipped_model(client):
    source = "Le chat dort sur le canapé."
    text, view, details = client.predict(source, api_name="/translate")
    assert text.strip() and text != source
    assert is_png(view)
    assert "translate-birnn (birnn)" in details and "CPU" in details
    assert "French" in details


def test_caption_gives_text_and_attention(client):
    text, view, details = client.predict(handle_file(EXAMPLES / "horse.png"), api_name="/caption")
    assert isinstance(text, str) and is_png(view)
    assert "tokens" in details
    if (SHIPPED / "caption-lite0").is_dir():  # the default model is the first by name
        assert "caption-lite0 (efficientnet_lite0)" in details and text.strip()
    else:  # the untrained stand-in: any text, even none
        assert "caption-tiny (resnet18)" in details


def test_transcribe_gives_text_and_attention(client, tmp_path):
    text, view, _ = client.predict(handle_file(EXAMPLES / "horse.ogg"), api_name="/transcribe")
    assert isinstance(text, str) and is_png(view)
    # A 48 kHz stereo WAV, as a browser might record it.
    wav = tmp_path / "stereo.wav"
    t = np.arange(48000) / 48000
    soundfile.write(wav, np.stack([np.sin(2 * np.pi * 440 * t)] * 2, 1) * 0.3, 48000)
    text, view, details = client.predict(handle_file(wav), beam_size=1, max_length=20,
                                           api_name="/transcribe")
    assert isinstance(text, str) and is_png(view)
    if (SHIPPED / "transcribe-cnn_bilstm").is_dir():  # the shipped recogniser serves it
        assert "transcribe-cnn_bilstm (cnn_bilstm)" in details
    else:  # the untrained stand-in
        assert "transcribe-tiny" in details


def test_compare_gives_three_outputs_in_a_row(client):
    out = client.predict(handle_file(EXAMPLES / "horse.png"), handle_file(EXAMPLES / "horse.ogg"),
                         (EXAMPLES / "horse.fr.txt").read_text().strip(), api_name="/compare")
    assert len(out) == 9
    for text, view, details in (out[0:3], out[3:6], out[6:9]):
        assert isinstance(text, str) and is_png(view) and "decode on" in details


def test_compare_says_what_is_missing(client):
    out = client.predict(None, None, "Der Hund schläft im Garten.", api_name="/compare")
    assert out[2] == "No image given." and out[5] == "No recording given."
    assert out[6] and "decode on" in out[8]
    with pytest.raises(AppError, match="Give an image, a recording or a text"):
        client.predict(None, None, "", api_name="/compare")


def test_compare_keeps_the_good_outputs_when_one_input_is_bad(client, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    out = client.predict(handle_file(broken), None, "Ouvrir un fichier.", api_name="/compare")
    assert out[0] == "" and out[2].startswith("**Error:**")
    assert out[6].strip() and "decode on" in out[8]


def test_bad_inputs_are_readable_and_the_server_keeps_serving(client, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    with pytest.raises(AppError, match="not an image file that can be read"):
        client.predict(handle_file(not_an_image), api_name="/caption")
    with pytest.raises(AppError, match="Type or paste some text first"):
        client.predict("   ", api_name="/translate")
    with pytest.raises(AppError, match="Cyrillic"):
        client.predict("Привет, как дела?", api_name="/translate")
    with pytest.raises(AppError, match="no-such-model is not in the list of choices"):
        client.predict("Bonjour.", "no-such-model", api_name="/translate")
    with pytest.raises(AppError, match="it is not in the list of choices"):
        client.predict("Ciao.", api_name="/translate", source_language="it")
    long_wav = tmp_path / "long.wav"
    soundfile.write(long_wav, np.full(16000 * 61, 0.1, dtype=np.float32), 16000)
    with pytest.raises(AppError, match="up to 60 s"):
        client.predict(handle_file(long_wav), api_name="/transcribe")
    silent = tmp_path / "silent.wav"
    soundfile.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(AppError, match="silent"):
        client.predict(handle_file(silent), api_name="/transcribe")
    # Still serving, with real results.
    text, view, _ = client.predict("Der Hund schläft im Garten.", api_name="/translate")
    assert text.strip() and is_png(view)


def test_waiting_requests_are_decoded_together(client, monkeypatch):
    """Visitors queued behind a running decode share one batched search."""
    import time

    from multimodal.pipeline import Pipeline

    sizes, real = [], Pipeline.predict

    def slow_predict(self, items, **kwargs):
        sizes.append(len(items))
        time.sleep(1.0)  # keeps both slots busy while the other requests queue up
        return real(self, items, **kwargs)

    monkeypatch.setattr(Pipeline, "predict", slow_predict)
    sources = [f"Ouvrir le fichier {n}." for n in range(6)]
    jobs = [client.submit(s, api_name="/translate") for s in sources]
    assert all(job.result()[0].strip() for job in jobs)
    assert sum(sizes) == len(sources) and max(sizes) > 1, sizes


def test_concurrent_requests_all_get_their_own_answer(client):
    sources = ["Le chat dort.", "El perro come.", "Der Hund schläft.", "Il pleut."]
    jobs = [client.submit(s, api_name="/translate") for s in sources]
    texts = [job.result()[0] for job in jobs]
    alone = [client.predict(s, api_name="/translate")[0] for s in sources]
    assert texts == alone


def test_long_work_reports_progress(client, monkeypatch):
    """A long text is decoded in several batches of sentences; the page's bar follows them."""
    import time

    from multimodal.pipeline import Pipeline

    real = Pipeline.predict

    def slowed(self, items, progress=None, **kwargs):
        def report(done, total):
            progress(done, total)
            time.sleep(0.5)  # time for the client to see each step

        return real(self, items, progress=report if progress else None, **kwargs)

    monkeypatch.setattr(Pipeline, "predict", slowed)
    text = " ".join(f"Le fichier numéro {n} est ouvert." for n in range(40))
    job = client.submit(text, api_name="/translate")
    seen = set()
    while not job.done():
        for unit in job.status().progress_data or []:
            seen.add((unit.progress, unit.length))
        time.sleep(0.05)
    assert job.result()[0].strip()
    # 40 sentences in batches of 16: the bar stands at 16/40, 32/40, 40/40
    assert len(seen) >= 2 and all(0 < f <= 1 and n == 40 for f, n in seen), seen


def test_clipped_recording_is_transcribed_with_a_warning(client, tmp_path):
    wav = tmp_path / "loud.wav"
    t = np.arange(32000) / 16000
    soundfile.write(wav, np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1), 16000)
    text, view, details = client.predict(handle_file(wav), beam_size=1, max_length=10,
                                         api_name="/transcribe")
    assert isinstance(text, str) and is_png(view)
    assert "clipped" in details
