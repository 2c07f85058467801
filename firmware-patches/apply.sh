#!/usr/bin/env bash
# Adds Axewallet's USB command channel to an ESP-Miner source tree:
#   firmware-patches/apply.sh ESP_MINER_DIR
# Copies our own files (main/usb_cmd*.{c,h}) into ESP_MINER_DIR/main and applies hooks.patch
# (two source files and one driver in main/CMakeLists.txt, one call in app_main). Before touching
# anything it checks that the tree is one the patch was made for (README.md names the commits);
# on any other tree it changes nothing and says why.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
files=(usb_cmd.c usb_cmd.h usb_cmd_proto.c usb_cmd_proto.h)
verified="ESP-Miner v2.15.0 (b0509031) and master 5c277131"

refuse() {
  printf 'apply.sh: %s\nNothing was changed. This patch was made for %s; see %s/README.md.\n' "$1" "$verified" "$here" >&2
  exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 ESP_MINER_DIR" >&2; exit 2; }
tree="$1"
[ -d "$tree" ] || { echo "apply.sh: $tree is not a directory" >&2; exit 2; }
tree="$(cd "$tree" && pwd)"
command -v git >/dev/null || { echo "apply.sh: git is needed (git apply works on any directory, not only a checkout)" >&2; exit 2; }

for f in main/main.c main/CMakeLists.txt; do
  [ -f "$tree/$f" ] || refuse "$tree has no $f: this is not an ESP-Miner source tree."
done
version="$(git -C "$tree" describe --tags --always 2>/dev/null || echo "unknown version")"
for f in main/http_server/http_server.c main/http_server/system_api_json.h; do
  [ -f "$tree/$f" ] || refuse "$tree ($version) has no $f: it is an ESP-Miner older than v2.15."
done

# GIT_CEILING_DIRECTORIES: a tree that is not its own checkout is patched as plain files, never
# through a repository that happens to contain it.
hooks() { (cd "$tree" && GIT_CEILING_DIRECTORIES="$(dirname "$tree")" git apply "$@" "$here/hooks.patch") 2>&1; }

# Already applied: our files in place and the hooks present.
same_files=yes
for f in "${files[@]}"; do
  cmp -s "$here/main/$f" "$tree/main/$f" || same_files=no
done
if [ "$same_files" = yes ] && hooks --check --reverse >/dev/null; then
  echo "apply.sh: $tree already has the Axewallet USB command channel; nothing to do."
  exit 0
fi

# usb_cmd.c calls these two firmware functions; both changed shape before v2.15.
grep -Eq '^bool check_settings_and_update\(const cJSON \* const root, char \*\*redirect_url\)' "$tree/main/http_server/http_server.c" ||
  refuse "$tree ($version): main/http_server/http_server.c does not define 'bool check_settings_and_update(const cJSON * const root, char **redirect_url)' (older firmware takes one argument; usb_cmd.c would not build)."
grep -Eq '^cJSON\* ?system_api_get_full_json\(GlobalState \* ?GLOBAL_STATE\);' "$tree/main/http_server/system_api_json.h" ||
  refuse "$tree ($version): main/http_server/system_api_json.h does not declare 'cJSON* system_api_get_full_json(GlobalState * GLOBAL_STATE)'."

for f in "${files[@]}"; do
  if [ -e "$tree/main/$f" ] && ! cmp -s "$here/main/$f" "$tree/main/$f"; then
    refuse "$tree/main/$f already exists with other content (an older copy of this patch?). Restore a clean tree first (git checkout . && git clean -n main/)."
  fi
done

if ! out="$(hooks --check)"; then
  refuse "$tree ($version): the hooks do not fit its main/main.c or main/CMakeLists.txt:
$out"
fi

for f in "${files[@]}"; do cp "$here/main/$f" "$tree/main/$f"; done
hooks >/dev/null
echo "apply.sh: added the Axewallet USB command channel to $tree (main/usb_cmd*.c/.h + hooks in main/CMakeLists.txt and main/main.c)."
echo "Build with ESP-IDF v6.0.2: idf.py set-target esp32s3 && idf.py build"
