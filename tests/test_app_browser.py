"""A real browser on the page: Playwright drives Debian's Chromium (never a downloaded one),
uploads an image, an audio file and a text, clicks, reads the outputs and takes a screenshot
of each tab. It also checks that the page asks nothing of the internet.

Retake the README screenshots (best bundles in weights/, untrained stand-ins elsewhere):

    python tests/test_app_browser.py --screenshots      # writes docs/screenshots/*.png
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # also run as a script

import pytest  # noqa: E402
from app_helpers import EXAMPLES, demo_weights, serving  # noqa: E402
from PIL import Image  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
WAIT_MS = 180_000  # a shared 2-core CPU can be slow; nothing here asserts a duration
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Two sentences of the kind the shipped translator learned from (package descriptions, UI).
FRENCH = "Ce paquet contient la documentation du programme. Impossible de trouver le fichier."


def save_small(path: Path) -> None:
    """Screenshots as 256-colour PNGs: a page of flat colours stays far under 300 KB."""
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def shoot(page, name: str, out_dir: Path) -> Path:
    path = out_dir / f"{name}.png"
    page.wait_for_timeout(1500)  # Gradio fades outputs back in after an event
    page.screenshot(path=str(path))
    save_small(path)
    return path


def open_tab(page, title: str) -> None:
    page.get_by_role("tab", name=title).click()


def wait_for_result(page, prefix: str) -> str:
    """Wait for the details line of a finished decode, then read the English shown. (An
    untrained stand-in may rightly write nothing, so the text itself is not waited on.)"""
    from playwright.sync_api import expect

    expect(page.locator(f"#{prefix}-details")).to_contain_text("decode on", timeout=WAIT_MS)
    return page.locator(f"#{prefix}-output textarea").input_value()


def launch_chromium(pw, fake_microphone: bool = False):
    """Debian's Chromium, headless; with `fake_microphone`, a synthetic beeping input."""
    args = ["--no-sandbox"]
    if fake_microphone:
        args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


def tour(url: str, out_dir: Path) -> dict[str, str]:
    """Use every tab as a visitor would; returns the English shown on each, and leaves a
    screenshot of each tab in `out_dir`. Fails if the page requests anything off this host."""
    from playwright.sync_api import expect, sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    results, foreign = {}, []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport=VIEWPORT, color_scheme="light")
            page.on("request", lambda r: foreign.append(r.url)
                    if urlparse(r.url).hostname not in LOCAL_HOSTS | {None}
                    and not r.url.startswith(("data:", "blob:")) else None)
            page.goto(url)
            expect(page.get_by_role("heading", name="multimodal")).to_be_visible()

            open_tab(page, "Caption")
            page.locator("#caption-input input[type=file]").set_input_files(
                str(EXAMPLES / "horse.png"))
            expect(page.locator("#caption-input img")).to_be_visible(timeout=WAIT_MS)
            page.locator("#caption-button").click()
            results["caption"] = wait_for_result(page, "caption")
            expect(page.locator("#caption-view img")).to_be_visible(timeout=WAIT_MS)
            shoot(page, "caption", out_dir)

            open_tab(page, "Transcribe")
            page.locator("#transcribe-input input[type=file]").set_input_files(
                str(EXAMPLES / "horse.ogg"))
            expect(page.locator("#transcribe-input audio").first).to_be_attached(timeout=WAIT_MS)
            page.locator("#transcribe-button").click()
            results["transcribe"] = wait_for_result(page, "transcribe")
            expect(page.locator("#transcribe-view img")).to_be_visible(timeout=WAIT_MS)
            shoot(page, "transcribe", out_dir)

            open_tab(page, "Translate")
            page.locator("#translate-input textarea").fill(FRENCH)
            page.locator("#translate-button").click()
            results["translate"] = wait_for_result(page, "translate")
            expect(page.locator("#translate-view img")).to_be_visible(timeout=WAIT_MS)
            shoot(page, "translate", out_dir)

            open_tab(page, "Compare")
            page.locator("#compare-examples").get_by_text("Un cheval.").click()
            expect(page.locator("#compare-text textarea")).to_have_value("Un cheval.")
            expect(page.locator("#compare-image img").first).to_be_visible(timeout=WAIT_MS)
            expect(page.locator("#compare-audio audio").first).to_be_attached(timeout=WAIT_MS)
            page.locator("#compare-button").click()
            for task in ("caption", "transcribe", "translate"):
                results[f"compare-{task}"] = wait_for_result(page, f"compare-{task}")
            # The tab from its top: the inputs, then the three results in a row.
            page.evaluate("window.scrollTo(0, document.querySelector('#compare-tab')"
                          ".getBoundingClientRect().top + window.scrollY - 60)")
            shoot(page, "compare", out_dir)
        finally:
            browser.close()
    assert not foreign, f"the page asked the internet for: {foreign[:5]}"
    return results


@pytest.fixture(scope="module")
def app_url(untrained_bundles, tmp_path_factory):
    pytest.importorskip("playwright", reason="playwright is not installed "
                        "(pip install -r requirements-dev.txt)")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium); the test never "
                    "downloads a browser")
    weights = demo_weights(tmp_path_factory.mktemp("browser") / "weights", untrained_bundles)
    with serving(weights) as url:
        yield url


def test_every_tab_in_a_real_browser(app_url, tmp_path):
    results = tour(app_url, tmp_path)
    assert all(isinstance(text, str) for text in results.values()), results
    assert results["translate"].strip()  # the shipped translator (or the stand-in) writes
    for name in ("caption", "transcribe", "translate", "compare"):
        with Image.open(tmp_path / f"{name}.png") as shot:
            assert shot.size == (VIEWPORT["width"], VIEWPORT["height"])
        assert (tmp_path / f"{name}.png").stat().st_size < 300_000


def test_a_microphone_recording_is_transcribed(app_url):
    """Record from Chromium's fake microphone (48 kHz, as browsers record), then transcribe."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, fake_microphone=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, permissions=["microphone"])
            page = context.new_page()
            page.goto(app_url)
            open_tab(page, "Transcribe")
            audio = page.locator("#transcribe-input")
            audio.get_by_label("Record audio").click()
            audio.get_by_role("button", name="Record", exact=True).click()
            page.wait_for_timeout(2000)
            # The page uploads the recording once it stops; a click before the upload has
            # finished would rightly be told to record something first.
            with page.expect_response(lambda r: "/upload" in r.url, timeout=WAIT_MS):
                audio.get_by_role("button", name="Stop").first.click()
            expect(audio.locator("audio").first).to_be_attached(timeout=WAIT_MS)
            page.locator("#transcribe-button").click()
            assert isinstance(wait_for_result(page, "transcribe"), str)
        finally:
            browser.close()


def main() -> None:
    import argparse
    import tempfile

    from app_helpers import make_stand_ins

    parser = argparse.ArgumentParser(description="Retake the README screenshots.")
    parser.add_argument("--screenshots", action="store_true", required=True)
    parser.add_argument("--out", type=Path, default=SCREENSHOTS)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        weights = demo_weights(Path(tmp) / "weights", make_stand_ins(Path(tmp) / "stand-ins"))
        with serving(weights, args.device) as url:
            for name, text in tour(url, args.out).items():
                print(f"{name:<22} {text}")
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
