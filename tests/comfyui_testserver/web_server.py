# ruff: noqa: PTH100, PTH103, PTH110, PTH113, PTH118, PTH119, PTH122, PTH123
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""HTTP routes and the websocket of ComfyUI 0.3.64, each route also under /api/..."""

import asyncio
import hashlib
import json
import logging
import mimetypes
import os
import platform
import sys
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .message_hub import MessageHub
from .model_folders import ModelFolders
from .node_catalogue import NodeCatalogue
from .prompt_executor import PromptExecutor
from .prompt_queue import PromptQueue
from .prompt_validation import PromptValidator
from .server_paths import ServerPaths

log = logging.getLogger("comfyui_testserver")

COMFYUI_VERSION = "0.3.64"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

for _type, _ext in (
    ("image/webp", ".webp"),
    ("audio/flac", ".flac"),
    ("audio/mpeg", ".mp3"),
    ("audio/ogg", ".opus"),
    ("video/mp4", ".mp4"),
    ("audio/wav", ".wav"),
    ("video/webm", ".webm"),
    ("image/png", ".png"),
):
    mimetypes.add_type(_type, _ext)


def _memory() -> tuple[int, int]:
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        return page * os.sysconf("SC_PHYS_PAGES"), page * os.sysconf("SC_AVPHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 17179869184, 8589934592


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    return host in ("localhost", "::1") or host.startswith("127.")


@web.middleware
async def origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """ComfyUI refuses browser requests whose Origin does not match a loopback Host (403)."""
    host, origin = request.headers.get("Host"), request.headers.get("Origin")
    if host and origin:
        host_parts = urllib.parse.urlsplit("//" + host.lower())
        origin_parts = urllib.parse.urlparse(origin)
        host_domain: str | None = host.lower()
        origin_domain: str | None = origin_parts.netloc.lower()
        if origin_parts.port is None:
            host_domain = host_parts.hostname
        if host_parts.port is None:
            origin_domain = origin_parts.hostname
        if (
            _is_loopback(host_parts.hostname)
            and host_domain
            and origin_domain
            and host_domain != origin_domain
        ):
            log.warning(
                "WARNING: request with non matching host and origin %s != %s, returning 403",
                host_domain,
                origin_domain,
            )
            return web.Response(status=403)
    if request.method == "OPTIONS":
        return web.Response()
    return await handler(request)


def cors(origin: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = web.Response() if request.method == "OPTIONS" else await handler(request)
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, GET, DELETE, PUT, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    return middleware


class ComfyWebServer:
    def __init__(
        self,
        *,
        hub: MessageHub,
        queue: PromptQueue,
        executor: PromptExecutor,
        catalogue: NodeCatalogue,
        folders: ModelFolders,
        paths: ServerPaths,
        args: Any,
    ) -> None:
        self.hub = hub
        self.queue = queue
        self.executor = executor
        self.catalogue = catalogue
        self.validator = PromptValidator(catalogue)
        self.folders = folders
        self.paths = paths
        self.args = args
        self.number = 0

    # ------------------------------------------------------------------------------------------ app

    def build_app(self) -> web.Application:
        middlewares: list[Any] = (
            [cors(self.args.enable_cors_header)] if self.args.enable_cors_header else [origin_only]
        )
        app = web.Application(
            client_max_size=round(self.args.max_upload_size * 1024 * 1024), middlewares=middlewares
        )
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/ws", self.websocket),
            ("GET", "/", self.root),
            ("GET", "/embeddings", self.embeddings),
            ("GET", "/extensions", self.extensions),
            ("GET", "/models", self.models),
            ("GET", "/models/{folder}", self.model_files),
            ("POST", "/upload/image", self.upload_image),
            ("GET", "/view", self.view),
            ("GET", "/system_stats", self.system_stats),
            ("GET", "/features", self.features),
            ("GET", "/prompt", self.get_prompt),
            ("GET", "/object_info", self.object_info),
            ("GET", "/object_info/{node_class}", self.object_info_node),
            ("GET", "/history", self.get_history),
            ("GET", "/history/{prompt_id}", self.get_history_item),
            ("GET", "/queue", self.get_queue),
            ("POST", "/prompt", self.post_prompt),
            ("POST", "/queue", self.post_queue),
            ("POST", "/interrupt", self.post_interrupt),
            ("POST", "/free", self.post_free),
            ("POST", "/history", self.post_history),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, "/api" + path if path != "/" else "/api/", handler)
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        # Not ComfyUI's: the tests' control of held nodes (COMFYUI_TESTSERVER_HOLD_NODES).
        app.router.add_route("POST", "/testserver/release", self.post_testserver_release)
        app.router.add_route("POST", "/testserver/hold", self.post_testserver_hold)
        return app

    # ------------------------------------------------------------------------------------------ websocket

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        sid = request.rel_url.query.get("clientId", "")
        if sid:
            # Like ComfyUI: a reconnect with the same id replaces the old socket.
            self.hub.sockets.pop(sid, None)
        else:
            sid = uuid.uuid4().hex
        self.hub.sockets[sid] = ws
        self.hub.feature_flags[sid] = {}
        try:
            await self.hub.send_now("status", {"status": self.queue.queue_info(), "sid": sid}, sid)
            if self.hub.client_id == sid and self.hub.last_node_id is not None:
                await self.hub.send_now("executing", {"node": self.hub.last_node_id}, sid)
            first_message = True
            async for msg in ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                    if first_message and isinstance(data, dict) and data.get("type") == "feature_flags":
                        self.hub.feature_flags[sid] = data.get("data", {})
                        await self.hub.send_now("feature_flags", self.server_features(), sid)
                    first_message = False
                except json.JSONDecodeError:
                    log.warning("Invalid JSON received from client %s: %s", sid, msg.data)
        finally:
            # ComfyUI's quirk, kept on purpose: closing an old socket also unregisters a newer one
            # that reused its client id.
            self.hub.sockets.pop(sid, None)
            self.hub.feature_flags.pop(sid, None)
        return ws

    def server_features(self) -> dict[str, Any]:
        return {
            "supports_preview_metadata": True,
            "max_upload_size": round(self.args.max_upload_size * 1024 * 1024),
        }

    # ------------------------------------------------------------------------------------------ simple GETs

    async def root(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            text="<!doctype html><title>ComfyUI</title><p>ComfyUI test server</p>", content_type="text/html"
        )

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        return web.json_response([os.path.splitext(n)[0] for n in self.folders.filenames("embeddings")])

    async def extensions(self, request: web.Request) -> web.StreamResponse:
        return web.json_response([])

    async def models(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.folders.keys())

    async def model_files(self, request: web.Request) -> web.StreamResponse:
        folder = request.match_info["folder"]
        if not self.folders.has(folder):
            return web.Response(status=404)
        return web.json_response(self.folders.filenames(folder))

    async def system_stats(self, request: web.Request) -> web.StreamResponse:
        total, free = _memory()
        return web.json_response(
            {
                "system": {
                    "os": os.name,
                    "ram_total": total,
                    "ram_free": free,
                    "comfyui_version": COMFYUI_VERSION,
                    "required_frontend_version": "1.27.10",
                    "installed_templates_version": "0.1.95",
                    "required_templates_version": "0.1.95",
                    "python_version": sys.version,
                    "pytorch_version": "2.13.0+cpu",
                    "embedded_python": os.path.split(os.path.split(sys.executable)[0])[1] == "python_embeded",
                    "argv": sys.argv,
                },
                "devices": [
                    {
                        "name": "cpu",
                        "type": "cpu",
                        "index": None,
                        "vram_total": total,
                        "vram_free": free,
                        "torch_vram_total": total,
                        "torch_vram_free": free,
                    }
                ],
            }
        )

    async def features(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.server_features())

    async def get_prompt(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.queue.queue_info())

    async def object_info(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({name: self.catalogue.object_info(name) for name in self.catalogue.names()})

    async def object_info_node(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["node_class"]
        out = {name: self.catalogue.object_info(name)} if self.catalogue.get(name) is not None else {}
        return web.json_response(out)

    async def get_history(self, request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        max_items = int(query["max_items"]) if "max_items" in query else None
        offset = int(query["offset"]) if "offset" in query else -1
        return web.json_response(self.queue.get_history(max_items=max_items, offset=offset))

    async def get_history_item(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.queue.get_history(prompt_id=request.match_info["prompt_id"]))

    async def get_queue(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"queue_running": self.queue.running(), "queue_pending": self.queue.pending()}
        )

    # ------------------------------------------------------------------------------------------ POSTs

    async def post_prompt(self, request: web.Request) -> web.StreamResponse:
        log.info("got prompt")
        json_data = await request.json()
        if "number" in json_data:
            number: float = float(json_data["number"])
        else:
            number = self.number
            if json_data.get("front"):
                number = -number
            self.number += 1
        if "prompt" not in json_data:
            error = {
                "type": "no_prompt",
                "message": "No prompt provided",
                "details": "No prompt provided",
                "extra_info": {},
            }
            return web.json_response({"error": error, "node_errors": {}}, status=400)
        prompt = json_data["prompt"]
        prompt_id = str(json_data.get("prompt_id", uuid.uuid4()))
        result = self.validator.validate(prompt, json_data.get("partial_execution_targets"))
        extra_data = json_data.get("extra_data", {})
        if "client_id" in json_data:
            extra_data["client_id"] = json_data["client_id"]
        if result.ok:
            self.queue.put([number, prompt_id, prompt, extra_data, result.good_outputs])
            return web.json_response(
                {"prompt_id": prompt_id, "number": number, "node_errors": result.node_errors}
            )
        log.warning("invalid prompt: %s", result.error)
        return web.json_response({"error": result.error, "node_errors": result.node_errors}, status=400)

    async def post_queue(self, request: web.Request) -> web.StreamResponse:
        json_data = await request.json()
        if json_data.get("clear"):
            self.queue.wipe_queue()
        for prompt_id in json_data.get("delete", []):
            self.queue.delete_queue_item(prompt_id)
        return web.Response(status=200)

    async def post_interrupt(self, request: web.Request) -> web.StreamResponse:
        try:
            json_data = await request.json()
        except json.JSONDecodeError:
            json_data = {}
        prompt_id = json_data.get("prompt_id") if isinstance(json_data, dict) else None
        if prompt_id:
            if any(item[1] == prompt_id for item in self.queue.running()):
                log.info("Interrupting prompt %s", prompt_id)
                self.executor.interrupt()
            else:
                log.info("Prompt %s is not currently running, skipping interrupt", prompt_id)
        else:
            log.info("Global interrupt (no prompt_id specified)")
            self.executor.interrupt()
        return web.Response(status=200)

    async def post_testserver_release(self, request: web.Request) -> web.StreamResponse:
        log.info("Held nodes released (POST /testserver/release)")
        self.executor.release_held_nodes()
        return web.Response(status=200)

    async def post_testserver_hold(self, request: web.Request) -> web.StreamResponse:
        log.info("Held nodes hold again (POST /testserver/hold)")
        self.executor.hold_nodes_again()
        return web.Response(status=200)

    async def post_free(self, request: web.Request) -> web.StreamResponse:
        json_data = await request.json()
        free_memory = json_data.get("free_memory", False)
        if json_data.get("unload_models", False):
            self.queue.set_flag("unload_models", True)
        if free_memory:
            self.queue.set_flag("free_memory", free_memory)
        return web.Response(status=200)

    async def post_history(self, request: web.Request) -> web.StreamResponse:
        json_data = await request.json()
        if json_data.get("clear"):
            self.queue.wipe_history()
        for prompt_id in json_data.get("delete", []):
            self.queue.delete_history_item(prompt_id)
        return web.Response(status=200)

    # ------------------------------------------------------------------------------------------ files

    async def upload_image(self, request: web.Request) -> web.StreamResponse:
        post = await request.post()
        image = post.get("image")
        overwrite = post.get("overwrite")
        upload_type = str(post.get("type") or "input")
        upload_dir = self.paths.by_type(upload_type) or self.paths.input_dir
        if not isinstance(image, web.FileField) or not image.filename:
            return web.Response(status=400)
        filename = image.filename
        subfolder = str(post.get("subfolder", ""))
        folder = os.path.join(upload_dir, os.path.normpath(subfolder))
        filepath = os.path.abspath(os.path.join(folder, filename))
        if os.path.commonpath((upload_dir, filepath)) != upload_dir:
            return web.Response(status=400)
        os.makedirs(folder, exist_ok=True)
        content = image.file.read()
        duplicate = False
        if overwrite not in ("true", "1"):
            stem, ext = os.path.splitext(filename)
            counter = 1
            while os.path.exists(filepath):
                with open(filepath, "rb") as f:
                    if hashlib.sha256(f.read()).digest() == hashlib.sha256(content).digest():
                        duplicate = True
                        break
                filename = f"{stem} ({counter}){ext}"
                filepath = os.path.join(folder, filename)
                counter += 1
        if not duplicate:
            with open(filepath, "wb") as f:
                f.write(content)
        return web.json_response({"name": filename, "subfolder": subfolder, "type": upload_type})

    async def view(self, request: web.Request) -> web.StreamResponse:
        query = request.rel_url.query
        if "filename" in query:
            filename = query["filename"]
            output_dir: str | None = None
            for kind in ("output", "input", "temp"):
                if filename.endswith(f"[{kind}]"):
                    output_dir = self.paths.by_type(kind)
                    filename = filename[: -(len(kind) + 3)]
            if not filename or filename[0] == "/" or ".." in filename:
                return web.Response(status=400)
            if output_dir is None:
                output_dir = self.paths.by_type(query.get("type", "output"))
            if output_dir is None:
                return web.Response(status=400)
            if "subfolder" in query:
                full = os.path.join(output_dir, query["subfolder"])
                if os.path.commonpath((os.path.abspath(full), output_dir)) != output_dir:
                    return web.Response(status=403)
                output_dir = full
            filename = os.path.basename(filename)
            file = os.path.join(output_dir, filename)
            if os.path.isfile(file):
                content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                if content_type in {
                    "text/html",
                    "text/html-sandboxed",
                    "application/xhtml+xml",
                    "text/javascript",
                    "text/css",
                }:
                    content_type = "application/octet-stream"
                return web.FileResponse(
                    file,
                    headers={"Content-Disposition": f'filename="{filename}"', "Content-Type": content_type},
                )
        return web.Response(status=404)


def platform_summary() -> str:
    return f"{platform.system()} {platform.machine()}"


async def prompt_worker(server: ComfyWebServer, pause_after_prompt: float) -> None:
    queue, executor, hub = server.queue, server.executor, server.hub
    while True:
        item, item_id = await queue.get()
        started = time.perf_counter()
        prompt_id = item[1]
        hub.last_prompt_id = prompt_id
        try:
            await executor.execute(item[2], prompt_id, item[3], item[4])
        except Exception:
            # A bug in the simulation must not stop the queue: report it like a failed prompt.
            log.exception("!!! Exception during processing !!! (test server)")
            executor.success = False
            executor.history_result = {"outputs": {}, "meta": {}}
        queue.task_done(
            item_id,
            executor.history_result,
            {
                "status_str": "success" if executor.success else "error",
                "completed": executor.success,
                "messages": executor.status_messages,
            },
        )
        if hub.client_id is not None:
            hub.send_sync("executing", {"node": None, "prompt_id": prompt_id}, hub.client_id)
        log.info("Prompt executed in %.2f seconds", time.perf_counter() - started)
        flags = queue.take_flags()
        if flags.get("free_memory"):
            executor.reset()
        # ComfyUI collects garbage after a prompt; about 0.3 s pass before the next one starts.
        if pause_after_prompt > 0:
            await asyncio.sleep(pause_after_prompt)
