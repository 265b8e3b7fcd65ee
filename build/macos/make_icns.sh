#!/usr/bin/env bash
# macOS: turns desktop/assets/icon.png into build/work/icon.icns (sips + iconutil, both part of
# macOS), which the PyInstaller spec then uses for the .app.
set -euo pipefail
cd "$(dirname "$0")/../.."

source_png=desktop/assets/icon.png
iconset=build/work/icon.iconset
mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    sips -z "$size" "$size" "$source_png" --out "$iconset/icon_${size}x${size}.png" >/dev/null
    double=$((size * 2))
    sips -z "$double" "$double" "$source_png" --out "$iconset/icon_${size}x${size}@2x.png" >/dev/null
done
iconutil --convert icns "$iconset" --output build/work/icon.icns
echo "build/work/icon.icns"
