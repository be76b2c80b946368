"""Several Debian releases' package metadata in a private apt lists folder.

Translated package descriptions (DDTP) and AppStream metadata differ from release to
release: packages come and go, and translators keep working, so the releases in SUITES
together carry half again as many French descriptions as one release alone. apt fetches
their Packages, Translation-{en,fr,es,de} and DEP-11 files from the Debian archive the
system's own sources name, into a folder of ours: the system's apt state is not touched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .ddtp import list_files, translation_files
from .pairs import LANGUAGES

SUITES = ("bullseye", "bookworm", "trixie", "sid")
# The DEP-11 target as the appstream package defines it, so that its absence does not matter.
DEP11_TARGET = {"MetaKey": "$(COMPONENT)/dep11/Components-$(NATIVE_ARCHITECTURE).yml",
                "ShortDescription": "Components-$(NATIVE_ARCHITECTURE)",
                "DefaultEnabled": "true"}


def component_files(lists_dir: Path) -> list[Path]:
    """The DEP-11 component files in an apt lists folder (any architecture, any compression)."""
    return [path for path in list_files(".yml", lists_dir) if "_dep11_Components-" in path.name]


def missing(lists_dir: Path) -> list[str]:
    """What a complete folder has and this one lacks."""
    absent = [f"Translation-{lang}" for lang in ("en", *LANGUAGES)
              if not translation_files(lang, lists_dir)]
    return absent + ([] if component_files(lists_dir) else ["DEP-11 components"])


def archive_uri() -> str:
    """The Debian archive the system's apt sources name (not its -security or -updates)."""
    command = ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)",
               "Identifier: Packages"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise RuntimeError("the Debian package metadata needs apt-get") from error
    for line in sorted(set(done.stdout.splitlines())):
        uri, _, release = line.partition(" ")
        if uri.rstrip("/").endswith("/debian") and "-" not in release:
            return uri
    raise RuntimeError(f"no Debian archive in the system's apt sources (`{' '.join(command)}`"
                       f" said: {(done.stdout + done.stderr).strip()[-300:]})")


def update_command(lists_dir: Path, sources: Path) -> list[str]:
    command = ["apt-get", "update", "-o", f"Dir::State::Lists={lists_dir}",
               "-o", f"Dir::Cache={lists_dir / 'cache'}",
               "-o", f"Dir::Etc::SourceList={sources}",
               "-o", f"Dir::Etc::SourceParts={lists_dir / 'sources.list.d'}",
               "-o", "Acquire::Languages=en," + ",".join(LANGUAGES)]
    for option, value in DEP11_TARGET.items():
        command += ["-o", f"Acquire::IndexTargets::deb::DEP-11::{option}={value}"]
    return command


def fetch(lists_dir: Path, suites: tuple[str, ...] = SUITES) -> Path:
    """`lists_dir`, filled by apt with the suites' metadata unless it is already there."""
    lists_dir = lists_dir.resolve()  # apt reads relative folders against its own
    if not missing(lists_dir):
        return lists_dir
    for folder in ("partial", "sources.list.d"):
        (lists_dir / folder).mkdir(parents=True, exist_ok=True)
    uri = archive_uri()
    sources = lists_dir / "sources.list"
    sources.write_text("".join(f"deb {uri} {suite} main\n" for suite in suites))
    command = update_command(lists_dir, sources)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if absent := missing(lists_dir):
        raise RuntimeError(f"`{' '.join(command)}` left out {', '.join(absent)} (exit "
                           f"{done.returncode}): {done.stderr.strip()[-500:]}")
    if done.returncode != 0:  # a suite the archive lacks: say so, build from the others
        print(f"apt-get update (exit {done.returncode}): {done.stderr.strip()[-300:]}",
              file=sys.stderr)
    return lists_dir
