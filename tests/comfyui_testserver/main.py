# ruff: noqa: PTH100, PTH103, PTH113, PTH118
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""Entry point: `python main.py --listen 127.0.0.1 --port P ...`, like ComfyUI's main.py.

This folder can serve as COMFYUI_DIR. The program needs only the standard library, aiohttp and PyYAML.
"""

import argparse
import asyncio
import logging
import os
import shutil
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Started as a script: make the package importable (the folder's parent holds it).
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "comfyui_testserver"

from . import command_line, startup_failures
from .control_knobs import ControlKnobs

log = logging.getLogger("comfyui_testserver")
HERE = Path(__file__).resolve().parent


def _setup_logging(level: str, use_stdout: bool) -> None:
    handler = logging.StreamHandler(sys.stdout if use_stdout else sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    for noisy in ("aiohttp.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    aio = logging.getLogger("aiohttp")
    aio.addHandler(handler)
    aio.setLevel(logging.WARNING)


async def _serve(a: argparse.Namespace, knobs: ControlKnobs, base_dir: str) -> None:
    from aiohttp import web

    from .message_hub import MessageHub
    from .model_folders import ModelFolders
    from .node_catalogue import NodeCatalogue
    from .node_simulation import SimulationSettings
    from .prompt_executor import PromptExecutor
    from .prompt_queue import PromptQueue
    from .server_paths import ServerPaths
    from .web_server import ComfyWebServer, prompt_worker

    folders = ModelFolders(base_dir)
    default_yaml = os.path.join(base_dir, "extra_model_paths.yaml")
    if os.path.isfile(default_yaml):
        folders.load_extra_config(default_yaml)
    for group in a.extra_model_paths_config or []:
        for config in group:
            folders.load_extra_config(config)
    output_dir = os.path.join(base_dir, "output")
    if a.output_directory:
        output_dir = os.path.abspath(a.output_directory)
        log.info("Setting output directory to: %s", output_dir)
    for key in ("checkpoints", "clip", "vae", "diffusion_models", "loras"):
        folders.add_path(key, os.path.join(output_dir, key))
    input_dir = os.path.join(base_dir, "input")
    if a.input_directory:
        input_dir = os.path.abspath(a.input_directory)
        log.info("Setting input directory to: %s", input_dir)
    user_dir = os.path.join(base_dir, "user")
    if a.user_directory:
        user_dir = os.path.abspath(a.user_directory)
        log.info("Setting user directory to: %s", user_dir)
    log.info("Checkpoint files will always be loaded safely.")
    log.info("Total VRAM 16384 MB, total RAM 16384 MB")
    log.info("pytorch version: 2.13.0+cpu")
    log.info("Set vram state to: DISABLED")
    log.info("Device: cpu")
    log.info("Python version: %s", sys.version)
    log.info("ComfyUI version: 0.3.64 (test server)")
    temp_dir = os.path.join(base_dir, "temp")
    if a.temp_directory:
        temp_dir = os.path.join(os.path.abspath(a.temp_directory), "temp")
        log.info("Setting temp directory to: %s", temp_dir)
    shutil.rmtree(temp_dir, ignore_errors=True)
    for folder in (input_dir, output_dir, temp_dir):
        os.makedirs(folder, exist_ok=True)
    paths = ServerPaths(base_dir, input_dir, output_dir, temp_dir, user_dir)
    log.info("[Prompt Server] web root: %s", os.path.join(base_dir, "web"))

    hub = MessageHub()
    queue = PromptQueue(hub)
    catalogue = NodeCatalogue(folders, paths)
    settings = SimulationSettings(
        paths,
        folders,
        knobs,
        a.preview_method,
        a.preview_size,
        a.disable_metadata,
    )
    executor = PromptExecutor(hub, catalogue, settings)
    server = ComfyWebServer(
        hub=hub, queue=queue, executor=executor, catalogue=catalogue, folders=folders, paths=paths, args=a
    )
    if knobs.startup_delay > 0:
        await asyncio.sleep(knobs.startup_delay)
    if knobs.stall:
        log.info("Starting server\n")
        await asyncio.Event().wait()  # never listens: a supervisor must give up on it
    runner = web.AppRunner(server.build_app(), access_log=None)
    await runner.setup()
    tasks = [
        asyncio.create_task(hub.publish_loop()),
        asyncio.create_task(prompt_worker(server, knobs.pause_after_prompt)),
    ]
    log.info("Starting server\n")
    port = a.port
    for address in str(a.listen).split(","):
        site = web.TCPSite(runner, address, port)
        await site.start()
        shown = f"[{address}]" if ":" in address else address
        log.info("To see the GUI go to: http://%s:%s", shown, port)
    if knobs.crash_after is not None:
        asyncio.get_running_loop().call_later(knobs.crash_after, _crash, knobs.crash_exit_code)
    await asyncio.gather(*tasks)


def _crash(code: int) -> None:
    sys.stderr.write(
        "!!! Exception during processing !!! simulated crash (COMFYUI_TESTSERVER_CRASH_AFTER)\n"
        "Fatal Python error: Aborted\n\nCurrent thread 0x00007f0000000000 (most recent call first):\n"
        '  File "main.py", line 190 in prompt_worker\n'
    )
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    args = command_line.parse(sys.argv[1:] if argv is None else argv)
    _setup_logging(args.verbose, args.log_stdout)
    knobs = ControlKnobs.from_environment()
    base_dir = os.path.abspath(args.base_directory) if args.base_directory else str(HERE)
    if knobs.startup_failure:
        startup_failures.fail_at_start(knobs.startup_failure, str(HERE / "main.py"), base_dir)
    if knobs.crash_after is not None and knobs.crash_after < 0:
        _crash(knobs.crash_exit_code)
    try:
        asyncio.run(_serve(args, knobs, base_dir))
    except KeyboardInterrupt:
        log.info("\nStopped server")


if __name__ == "__main__":
    main()
