#!/usr/bin/env bash
# Checks the .deb on a real Debian/Ubuntu system (the release workflow runs it on Ubuntu 22.04 and
# 24.04): apt installs it with its dependencies, the installed program answers headless, its window
# shows the app under Xvfb with Chromium's sandbox on (not root; on 24.04 this needs the package's
# AppArmor profile), and purging the package keeps the user's data. Needs sudo.
#   build/linux/check_installed.sh build/dist/ai4artsed_<version>_amd64.deb
set -euo pipefail

deb="$(realpath "${1:?usage: check_installed.sh PACKAGE.deb}")"
work="$(mktemp -d)"
data_dir="$HOME/.local/share/AI4ArtsEd"
log="$data_dir/logs/app.log"

wait_for_line() {  # file, text, seconds
    for _ in $(seq 1 "$3"); do
        if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 1
    done
    echo "'$2' did not appear in $1 within $3 s:" >&2
    cat "$1" >&2 || true
    return 1
}

stop() {  # pid: SIGTERM must end the program with exit code 0
    kill -TERM "$1"
    local code=0
    wait "$1" || code=$?
    if [ "$code" -ne 0 ]; then echo "the program ended with exit code $code" >&2; return 1; fi
}

echo "--- install with apt (resolves the Depends)"
sudo apt-get update -qq
sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" xvfb >/dev/null
command -v ai4artsed
if [ -e /etc/apparmor.d/abi/4.0 ]; then
    test -f /etc/apparmor.d/ai4artsed && echo "AppArmor profile installed"
fi

echo "--- headless"
ai4artsed --headless >"$work/headless.log" 2>&1 &
pid=$!
wait_for_line "$work/headless.log" "is running at" 60
url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/headless.log" | head -n 1)"
curl -fsS "$url/api/health"
echo
stop "$pid"

echo "--- window under Xvfb, sandbox on"
: >"$log"
xvfb-run -a ai4artsed >"$work/window.log" 2>&1 &
runner=$!
wait_for_line "$log" "window shows the app" 120
if grep -q "No usable sandbox\|credentials.cc" "$work/window.log"; then
    cat "$work/window.log" >&2
    exit 1
fi
# xvfb-run ends with the program's exit code.
kill -TERM "$(pgrep -P "$runner" -x ai4artsed || pgrep -n -x ai4artsed)"
code=0
wait "$runner" || code=$?
if [ "$code" -ne 0 ]; then echo "the window program ended with exit code $code" >&2; exit 1; fi

echo "--- purge keeps the user's data"
touch "$data_dir/kept-by-purge"
sudo apt-get purge -y -qq ai4artsed >/dev/null
test ! -e /opt/ai4artsed
test ! -e /etc/apparmor.d/ai4artsed
test -f "$data_dir/kept-by-purge"
test -f "$log"
echo "ok: installed, ran headless and windowed, purged; user data kept"
