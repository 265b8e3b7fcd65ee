#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests, the xcb libraries Qt needs for a
# window under X (Xvfb; openbox as a real window manager and x11-utils' xwininfo to see where it
# places the window), NSIS to compile the Windows installer script and 7-Zip to list what it
# holds. `dist` (make dist) adds the tools that build the Linux packages: binutils (strip),
# dpkg-dev (dpkg-shlibdeps works out the .deb's dependencies). As root (CI) they are installed with
# apt-get; otherwise the missing ones are named so a person can install them.
set -euo pipefail

purpose="${1:-test}"
packages=(chromium libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbfile1 libxkbcommon-x11-0 xvfb nsis
    p7zip-full fonts-noto-color-emoji openbox x11-utils)
if [ "$purpose" = "dist" ]; then
    # The rest of what the bundled Qt needs from the system (as the .deb's Depends), and
    # desktop-file-utils and appstream to validate the .deb's menu entry and metadata.
    packages+=(libnss3 libgbm1 libegl1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0
        libxcb-xkb1 libxcomposite1 libxdamage1 libxrandr2 libxtst6 binutils dpkg-dev desktop-file-utils
        appstream)
fi
if [ -n "${AI4ARTSED_CHROMIUM:-}" ]; then
    # Another Chromium is configured (e.g. Google Chrome on Ubuntu runners, where the Debian
    # package does not exist).
    packages=("${packages[@]/chromium/}")
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "Not a Debian-like system: please install Chromium (for the browser tests) yourself." >&2
    echo "Set AI4ARTSED_CHROMIUM to its path if it is not /usr/bin/chromium." >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    [ -n "$package" ] || continue
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi

echo "These Debian packages are missing: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
if [ "$purpose" = "test" ] || [ "$purpose" = "dist" ]; then
    exit 1
fi
