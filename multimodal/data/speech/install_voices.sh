#!/bin/sh
# Installs the later voices of the speech corpus (voices.MORE_VOICES and HMM_VOICES): MBROLA
# and festival diphone voices cut from real people's recordings, and the HMM voices of RHVoice
# and SVOX Pico. They live in Debian's contrib and non-free sections, which a default system
# leaves out, so apt reads those sections of the Debian archive the system's own sources
# already name (no other host) from a private lists folder: the system's apt sources are not
# changed.
#   sudo sh multimodal/data/speech/install_voices.sh
set -eu
line=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' \
  | awk '$1 ~ /\/debian\/?$/ && $2 !~ /-/ { print $1, $2; exit }')
[ -n "$line" ] || { echo "no Debian archive in the system's apt sources" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/parts"
echo "deb $line main contrib non-free" > "$work/sources.list"
private="-o Dir::Etc::SourceList=$work/sources.list -o Dir::Etc::SourceParts=$work/parts
  -o Dir::State::Lists=$work/lists"
# shellcheck disable=SC2086  # the options are meant to split
apt-get $private update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get $private install -y -qq mbrola mbrola-us1 \
  mbrola-us2 mbrola-us3 mbrola-en1 festvox-us1 festvox-us2 festvox-us3 festvox-en1 \
  festvox-rablpc16k festvox-don rhvoice rhvoice-english libttspico-utils >/dev/null
