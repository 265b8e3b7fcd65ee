#!/usr/bin/env bash
# macOS: packs build/dist/AI4ArtsEd.app into a compressed disk image with a link to /Applications,
# so a teacher drags the app across. Usage: build/macos/make_dmg.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/../.."

version="${1:?usage: make_dmg.sh VERSION}"
app=build/dist/AI4ArtsEd.app
[ -d "$app" ] || { echo "$app is missing: build it with PyInstaller first" >&2; exit 1; }
arch="$(uname -m)"
staging=build/work/dmg
output="build/dist/AI4ArtsEd-${version}-macos-${arch}.dmg"

rm -rf "$staging" "$output"
mkdir -p "$staging"
# ditto keeps the symlinks and extended attributes (and the signature) of the bundle.
ditto "$app" "$staging/AI4ArtsEd.app"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "AI4ArtsEd ${version}" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$output"
hdiutil verify "$output"
echo "$output"
