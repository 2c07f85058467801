#!/usr/bin/env bash
# Re-runs the upstream check README.md reports: fresh checkouts of an ESP-Miner git repository
# (a clone or a bare mirror) at the given refs, apply.sh on each. Needs the firmware repository,
# so it is a maintainer's tool, not part of `npm test`.
#   firmware-patches/verify-upstream.sh ESP_MINER_GIT_DIR REF...
#   e.g. verify-upstream.sh ~/src/ESP-Miner v2.15.0 master v2.14.2
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 ESP_MINER_GIT_DIR REF..." >&2; exit 2; }
repo="$1"; shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ref in "$@"; do
  dir="$work/$(echo "$ref" | tr '/' '_')"
  git clone -q "$repo" "$dir" && git -C "$dir" checkout -q "$ref" || { echo "$ref: cannot check out"; continue; }
  commit="$(git -C "$dir" rev-parse --short=8 HEAD)"
  if out="$("$here/apply.sh" "$dir" 2>&1)"; then echo "$ref ($commit): applied"; else echo "$ref ($commit): refused: $(echo "$out" | head -1)"; fi
done
