# ruff: noqa: PTH110, PTH112
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""ComfyUI 0.3.64's command line: every flag it accepts is accepted here, the few that matter are used.

Flag names, arities and defaults follow ComfyUI's own parser so that a supervisor can start this
server exactly like the real one; an unknown flag fails the same way (argparse, exit status 2).
"""

import argparse
import os

PREVIEW_METHODS = ("none", "auto", "latent2rgb", "taesd")


def _existing_directory(path: str) -> str:
    if not os.path.exists(path):
        raise argparse.ArgumentTypeError(f"The path '{path}' does not exist.")
    if not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"'{path}' is not a directory.")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"You do not have read permissions for '{path}'.")
    return path


def _flags(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        parser.add_argument(name, action="store_true")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=str, default="127.0.0.1", metavar="IP", nargs="?", const="0.0.0.0,::")
    p.add_argument("--port", type=int, default=8188)
    p.add_argument("--tls-keyfile", type=str)
    p.add_argument("--tls-certfile", type=str)
    p.add_argument("--enable-cors-header", type=str, default=None, metavar="ORIGIN", nargs="?", const="*")
    p.add_argument("--max-upload-size", type=float, default=100)
    p.add_argument("--base-directory", type=str, default=None)
    p.add_argument(
        "--extra-model-paths-config", type=str, default=None, metavar="PATH", nargs="+", action="append"
    )
    p.add_argument("--output-directory", type=str, default=None)
    p.add_argument("--temp-directory", type=str, default=None)
    p.add_argument("--input-directory", type=str, default=None)
    _flags(p, "--auto-launch", "--disable-auto-launch")
    p.add_argument("--cuda-device", type=int, default=None)
    p.add_argument("--default-device", type=int, default=None)
    for group in (
        ("--cuda-malloc", "--disable-cuda-malloc"),
        ("--force-fp32", "--force-fp16"),
        (
            "--fp32-unet",
            "--fp64-unet",
            "--bf16-unet",
            "--fp16-unet",
            "--fp8_e4m3fn-unet",
            "--fp8_e5m2-unet",
            "--fp8_e8m0fnu-unet",
        ),
        ("--fp16-vae", "--fp32-vae", "--bf16-vae"),
        (
            "--fp8_e4m3fn-text-enc",
            "--fp8_e5m2-text-enc",
            "--fp16-text-enc",
            "--fp32-text-enc",
            "--bf16-text-enc",
        ),
        (
            "--use-split-cross-attention",
            "--use-quad-cross-attention",
            "--use-pytorch-cross-attention",
            "--use-sage-attention",
            "--use-flash-attention",
        ),
        ("--force-upcast-attention", "--dont-upcast-attention"),
    ):
        exclusive = p.add_mutually_exclusive_group()
        for name in group:
            exclusive.add_argument(name, action="store_true")
    _flags(p, "--cpu-vae", "--force-channels-last")
    p.add_argument("--directml", type=int, nargs="?", metavar="DIRECTML_DEVICE", const=-1)
    p.add_argument("--oneapi-device-selector", type=str, default=None)
    _flags(p, "--disable-ipex-optimize", "--supports-fp8-compute")
    p.add_argument("--preview-method", default="none", choices=PREVIEW_METHODS)
    p.add_argument("--preview-size", type=int, default=512)
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache-classic", action="store_true")
    cache.add_argument("--cache-lru", type=int, default=0)
    cache.add_argument("--cache-none", action="store_true")
    _flags(p, "--disable-xformers")
    vram = p.add_mutually_exclusive_group()
    for name in ("--gpu-only", "--highvram", "--normalvram", "--lowvram", "--novram", "--cpu"):
        vram.add_argument(name, action="store_true")
    p.add_argument("--reserve-vram", type=float, default=None)
    _flags(p, "--async-offload", "--force-non-blocking")
    p.add_argument(
        "--default-hashing-function", type=str, choices=["md5", "sha1", "sha256", "sha512"], default="sha256"
    )
    _flags(p, "--disable-smart-memory", "--deterministic")
    p.add_argument(
        "--fast", nargs="*", choices=["fp16_accumulation", "fp8_matrix_mult", "cublas_ops", "autotune"]
    )
    _flags(
        p,
        "--mmap-torch-files",
        "--disable-mmap",
        "--dont-print-server",
        "--quick-test-for-ci",
        "--windows-standalone-build",
        "--disable-metadata",
        "--disable-all-custom-nodes",
    )
    p.add_argument("--whitelist-custom-nodes", type=str, nargs="+", default=[])
    _flags(p, "--disable-api-nodes", "--multi-user")
    p.add_argument(
        "--verbose",
        default="INFO",
        const="DEBUG",
        nargs="?",
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    )
    _flags(p, "--log-stdout")
    p.add_argument("--front-end-version", type=str, default="comfyanonymous/ComfyUI@latest")
    p.add_argument("--front-end-root", type=_existing_directory, default=None)
    p.add_argument("--user-directory", type=_existing_directory, default=None)
    _flags(p, "--enable-compress-response-body")
    p.add_argument("--comfy-api-base", type=str, default="https://api.comfy.org")
    p.add_argument("--database-url", type=str, default=None)
    return p


def parse(argv: list[str]) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    if args.windows_standalone_build:
        args.auto_launch = True
    if args.disable_auto_launch:
        args.auto_launch = False
    return args
