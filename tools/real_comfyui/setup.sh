#!/usr/bin/env bash
# Create a CPU-only Python venv able to run a real ComfyUI checkout.
#
# usage: setup.sh COMFY_SRC_DIR VENV_DIR
#
# COMFY_SRC_DIR  a ComfyUI source tree (the folder holding main.py and requirements.txt)
# VENV_DIR       where the venv is created (re-used if it already exists)
#
# Environment knobs (all optional):
#   PYTHON             interpreter used to create the venv            (default: python3)
#   TORCH_VERSION      torch release to pin; must resolve to a CPU build (default: 2.13.0)
#   TORCHVISION_VERSION the torchvision release paired with it          (default: 0.28.0)
#   TORCHAUDIO_VERSION torchaudio release installed with --no-deps      (default: 2.11.0)
#   COMFY_CONSTRAINTS  pip constraints file, or "none"                  (default: known-good-constraints.txt beside this script)
#   ALLOW_CUDA_TORCH=1 do not fail when the installed torch is a CUDA build
#
# Why the odd steps (see tests/comfyui_transcripts/CONTRACT.md and README.md):
#  * ComfyUI's requirements.txt lists bare torch/torchvision/torchaudio. Left alone, pip pulls the
#    newest CUDA torch from PyPI plus ~4 GB of nvidia-* wheels. We pin torch so the CPU wheel that
#    pip finds locally is used.
#  * PyPI only has CUDA builds of torchvision/torchaudio for linux x86_64. Their compiled ops cannot
#    load next to a CPU torch. ComfyUI imports torchvision at start-up (and torchaudio for the audio
#    nodes) but only uses their pure-Python parts, so we:
#      - guard torchvision's two unconditional fake-op registrations (torchvision::nms, ::qnms)
#        that otherwise make `import torchvision` fail when its C ops are absent;
#      - install torchaudio without deps and delete its CUDA .so files: torchaudio then runs its
#        documented "extension not found" fallback (pure Python, enough for resampling).
#  * `requests` is imported by ComfyUI's frontend manager but missing from requirements.txt.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 COMFY_SRC_DIR VENV_DIR" >&2
  exit 2
fi
SRC=$(cd "$1" && pwd)
VENV=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCHVISION_VERSION=${TORCHVISION_VERSION:-0.28.0}
TORCHAUDIO_VERSION=${TORCHAUDIO_VERSION:-2.11.0}
CONSTRAINTS=${COMFY_CONSTRAINTS:-$HERE/known-good-constraints.txt}

[ -f "$SRC/main.py" ] && [ -f "$SRC/requirements.txt" ] || { echo "not a ComfyUI tree: $SRC" >&2; exit 2; }

t0=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
VENV=$(cd "$VENV" && pwd)
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Requirements without the torch family (installed with explicit pins below).
grep -v -E '^[[:space:]]*(torch|torchvision|torchaudio)[[:space:]]*([<>=!~;#].*)?$' "$SRC/requirements.txt" > "$WORK/req.txt"

# Constraints: torch pins first, then the known-good list minus anything the checkout pins itself.
{
  echo "torch==$TORCH_VERSION"
  echo "torchvision==$TORCHVISION_VERSION"
} > "$WORK/constraints.txt"
if [ "$CONSTRAINTS" != "none" ] && [ -f "$CONSTRAINTS" ]; then
  "$PY" - "$SRC/requirements.txt" "$CONSTRAINTS" >> "$WORK/constraints.txt" <<'EOF'
import re, sys
def name(line):
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)", line)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else None
pinned = set()
for line in open(sys.argv[1]):
    if "==" in line and not line.lstrip().startswith("#"):
        pinned.add(name(line))
skip = pinned | {"torch", "torchvision", "torchaudio"}
for line in open(sys.argv[2]):
    s = line.strip()
    if not s or s.startswith("#"):
        continue
    if name(s) not in skip:
        print(s)
EOF
fi

echo "[setup] installing torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION and ComfyUI requirements" >&2
"${PIP[@]}" install -q -c "$WORK/constraints.txt" \
  "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" -r "$WORK/req.txt" \
  requests httpx websockets

echo "[setup] installing torchaudio==$TORCHAUDIO_VERSION without deps" >&2
"${PIP[@]}" install -q --no-deps "torchaudio==$TORCHAUDIO_VERSION"

SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# torchaudio: drop the CUDA-linked extension libraries -> pure-Python fallback.
rm -f "$SITE"/torchaudio/lib/*.so

# torchvision: make the two unguarded fake registrations conditional on the C ops being loaded.
TVMETA="$SITE/torchvision/_meta_registrations.py"
if [ -f "$TVMETA" ]; then
  sed -i -E 's/^@torch\.library\.register_fake\("(torchvision::[a-z_]+)"\)$/@(torch.library.register_fake("\1") if torchvision.extension._has_ops() else (lambda f: f))/' "$TVMETA"
fi

# Checks: torch is a CPU build, no nvidia wheels slipped in, the imports ComfyUI needs work.
"$PY" - <<'EOF'
import os, sys, importlib.metadata as md
import torch
cuda = torch.version.cuda
print(f"[setup] torch {torch.__version__} (cuda={cuda})", file=sys.stderr)
if cuda and os.environ.get("ALLOW_CUDA_TORCH") != "1":
    sys.exit("[setup] FAIL: a CUDA build of torch was installed; the CPU wheel was not found (set TORCH_VERSION?)")
nv = sorted(d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith(("nvidia-", "cuda-", "triton")))
if nv and os.environ.get("ALLOW_CUDA_TORCH") != "1":
    sys.exit(f"[setup] FAIL: CUDA wheels installed: {nv}")
import torchvision, torchaudio, spandrel, av, aiohttp, transformers  # noqa: F401
w = torch.zeros(1, 441)
assert torchaudio.functional.resample(w, 44100, 22050).shape[-1] == 221
print(f"[setup] torchvision {torchvision.__version__} (C ops: {torchvision.extension._has_ops()}), torchaudio {torchaudio.__version__}, av {av.__version__}", file=sys.stderr)
EOF

t1=$(date +%s)
echo "[setup] done in $((t1 - t0)) s; venv size $(du -sh "$VENV" | cut -f1)" >&2
