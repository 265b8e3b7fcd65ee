"""The pieces a start is made of: finding the install, command line, environment, yaml, explanations."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from server.comfyui.failure_reasons import explain_failure
from server.comfyui.installation import locate_installation
from server.comfyui.launch import StateFolders, check_device_flags, comfyui_command, comfyui_environment
from server.comfyui.model_paths import COMFYUI_FOLDER_KEYS, ModelPathSection, write_model_paths
from server.comfyui.prompt_errors import execution_failure
from server.comfyui.redaction import PathRedactor
from server.comfyui.status import ComfyUIState, ComfyUIStatus, Reason, status_messages
from server.errors import AppError
from server.i18n.translator import Translator
from server.settings.models import ComfyUIMode


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


# ---------------------------------------------------------------- finding the install


def test_the_portable_build_is_found_from_its_outer_folder(tmp_path: Path) -> None:
    portable = tmp_path / "ComfyUI_windows_portable"
    touch(portable / "ComfyUI" / "main.py")
    python = touch(portable / "python_embeded" / "python.exe")

    found = locate_installation(portable)

    assert found.directory == (portable / "ComfyUI").resolve()
    assert found.python == python.absolute()


@pytest.mark.parametrize("where", ["inside", "beside"])
@pytest.mark.parametrize("name", [".venv", "venv"])
def test_a_venv_in_or_beside_the_tree_is_found(tmp_path: Path, where: str, name: str) -> None:
    tree = tmp_path / "ComfyUI"
    touch(tree / "main.py")
    base = tree if where == "inside" else tmp_path
    scripts = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
    python = touch(base / name / scripts[0] / scripts[1])

    assert locate_installation(tree).python == python.absolute()


def test_a_configured_python_wins(tmp_path: Path) -> None:
    tree = tmp_path / "ComfyUI"
    touch(tree / "main.py")
    touch(tree / ".venv" / "bin" / "python")
    chosen = touch(tmp_path / "elsewhere" / "python3")
    assert locate_installation(tree, chosen).python == chosen.absolute()


# ---------------------------------------------------------------- command line and environment


def test_the_command_uses_loopback_our_folders_and_no_unsafe_flag(tmp_path: Path) -> None:
    tree = tmp_path / "ComfyUI"
    touch(tree / "main.py")
    python = touch(tree / "venv" / "bin" / "python")
    state = StateFolders(tmp_path / "state")

    command = comfyui_command(
        locate_installation(tree, python), 4321, state, tmp_path / "state" / "x.yaml", ["--lowvram"]
    )

    assert command[:2] == [str(python.absolute()), "main.py"]
    assert command[command.index("--listen") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "4321"
    assert command[command.index("--temp-directory") + 1] == str((tmp_path / "state" / "temp").resolve())
    assert command[-1] == "--lowvram"
    assert "--front-end-version" not in command and "--windows-standalone-build" not in command
    # Offline (the default): ComfyUI's cloud "API nodes" are not loaded.
    assert "--disable-api-nodes" in command
    online = comfyui_command(
        locate_installation(tree, python), 4321, state, tmp_path / "x.yaml", [], offline=False
    )
    assert "--disable-api-nodes" not in online


@pytest.mark.parametrize(
    "flag",
    ["--listen", "--listen=0.0.0.0", "--front-end-version", "--windows-standalone-build", "--port", "cpu"],
)
def test_device_flags_cannot_open_or_move_comfyui(flag: str) -> None:
    with pytest.raises(AppError) as raised:
        check_device_flags(["--cpu", flag])
    assert raised.value.code == "comfyui_flag_not_allowed"
    assert raised.value.params == {"flag": flag}


def test_the_environment_is_clean_and_offline_aware() -> None:
    base = {
        "PATH": "/usr/bin",
        "PYTHONHOME": "/app/bundle",
        "PYTHONPATH": "/app/bundle/lib",
        "VIRTUAL_ENV": "/app/.venv",
        "HOME": "/home/teacher",
    }
    env = comfyui_environment(base, offline=True, frozen=False)
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/teacher",
        "PYTHONUTF8": "1",
        "PYTHONUNBUFFERED": "1",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    online = comfyui_environment(base, offline=False, frozen=False)
    assert not {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"} & set(online)


def test_a_frozen_app_gives_back_the_original_library_path() -> None:
    base = {
        "LD_LIBRARY_PATH": "/tmp/_MEI123:/usr/lib/extra",
        "LD_LIBRARY_PATH_ORIG": "/usr/lib/extra",
        "DYLD_LIBRARY_PATH": "/tmp/_MEI123",
        "_PYI_APPLICATION_HOME_DIR": "/tmp/_MEI123",
        "_MEIPASS2": "/tmp/_MEI123",
        "QT_PLUGIN_PATH": "/tmp/_MEI123/PySide6/Qt/plugins",
        "QML2_IMPORT_PATH": "/tmp/_MEI123/PySide6/Qt/qml",
    }
    env = comfyui_environment(base, offline=False, frozen=True)
    assert env["LD_LIBRARY_PATH"] == "/usr/lib/extra"
    gone = ("LD_LIBRARY_PATH_ORIG", "DYLD_LIBRARY_PATH", "_PYI_APPLICATION_HOME_DIR", "_MEIPASS2")
    for name in (*gone, "QT_PLUGIN_PATH", "QML2_IMPORT_PATH"):
        assert name not in env


# ---------------------------------------------------------------- extra_model_paths.yaml


def test_the_yaml_makes_the_managed_folder_the_default_and_takes_more_sections(tmp_path: Path) -> None:
    other = tmp_path / "Other ComfyUI" / "models"
    extra = ModelPathSection(
        name="existing_comfyui",
        base_path=other,
        folders={"checkpoints": ("checkpoints",), "text_encoders": ("text_encoders", "clip")},
    )

    path = write_model_paths(tmp_path / "state", tmp_path / "models", [extra])

    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    managed = loaded["ai4artsed_models"]
    assert managed["is_default"] is True
    assert managed["base_path"] == str((tmp_path / "models").resolve())
    assert set(COMFYUI_FOLDER_KEYS) <= set(managed)
    assert "llm" not in managed  # GGUF files of the built-in LLM are not ComfyUI's
    assert all((tmp_path / "models" / key).is_dir() for key in COMFYUI_FOLDER_KEYS)
    assert loaded["existing_comfyui"] == {
        "base_path": str(other.resolve()),
        "checkpoints": "checkpoints",
        "text_encoders": "text_encoders\nclip",  # ComfyUI splits a value on newlines
    }
    assert list(loaded) == ["ai4artsed_models", "existing_comfyui"]


# ---------------------------------------------------------------- explanations


PORT_TAKEN = """Starting server

Traceback (most recent call last):
  File "/home/t/ComfyUI/main.py", line 367, in <module>
    event_loop.run_until_complete(x)
OSError: [Errno 98] error while attempting to bind on address ('127.0.0.1', 60923): address already in use
"""
WINDOWS_PORT_TAKEN = (
    "OSError: [Errno 10048] error while attempting to bind on address ('127.0.0.1', 8188): "
    "only one usage of each socket address (protocol/network address/port) is normally permitted"
)


@pytest.mark.parametrize(
    ("log", "code", "params"),
    [
        (PORT_TAKEN, "comfyui_port_in_use", {"port": "60923"}),
        (WINDOWS_PORT_TAKEN, "comfyui_port_in_use", {"port": "8188"}),
        (
            "ModuleNotFoundError: No module named 'torchaudio'",
            "comfyui_module_missing",
            {"module": "torchaudio"},
        ),
        ("AssertionError: Torch not compiled with CUDA enabled", "comfyui_no_gpu", {}),
        ("RuntimeError: Found no NVIDIA driver on your system.", "comfyui_no_gpu", {}),
        (
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
            "comfyui_out_of_memory",
            {},
        ),
        (
            'Traceback (most recent call last):\n  File "/home/t/x.py", line 1\nValueError: bad /home/t/f\n',
            "comfyui_exited_with_message",
            {"exit_code": "1", "line": "ValueError: bad ~/f"},
        ),
        ("", "comfyui_exited", {"exit_code": "1"}),
        (
            # A custom node's failed import is survivable; the real cause comes later.
            "ModuleNotFoundError: No module named 'cv2'\nCannot import custom node\n" + PORT_TAKEN,
            "comfyui_port_in_use",
            {"port": "60923"},
        ),
    ],
)
def test_a_failure_is_explained_from_the_log(log: str, code: str, params: dict[str, str]) -> None:
    reason = explain_failure(log.splitlines(), 1, PathRedactor({}, home=Path("/home/t")))
    assert (reason.code, reason.params) == (code, params)


def test_every_code_the_runtime_can_show_has_both_languages() -> None:
    translator = Translator()
    package = Path(__file__).resolve().parents[2] / "server" / "comfyui"
    source = "\n".join(path.read_text(encoding="utf-8") for path in package.glob("*.py"))
    codes = set(re.findall(r"\"(comfyui_[a-z_]+)\"", source)) - {"comfyui_state_", "comfyui_version"}
    codes |= {f"comfyui_state_{state.value}" for state in ComfyUIState} | {"comfyui_state_none"}
    missing = sorted(code for code in codes if not translator.has(code))
    assert not missing, f"messages without text: {missing}"


def test_an_out_of_memory_error_in_a_job_gets_its_own_message() -> None:
    failure = execution_failure(
        {
            "node_id": "5",
            "node_type": "KSampler",
            "exception_type": "torch.OutOfMemoryError",
            "exception_message": "Allocation on device \nThis error means you ran out of memory on your GPU.",
            "traceback": ['  File "/home/t/ComfyUI/execution.py", line 1\n'],
        },
        "Flux",
        str,
    )
    assert (failure.code, failure.params) == (
        "comfyui_out_of_memory_in_job",
        {"output": "Flux", "node": "KSampler"},
    )


def test_a_status_is_explained_in_sentences() -> None:
    crashed = ComfyUIStatus(
        mode=ComfyUIMode.MANAGED,
        state=ComfyUIState.CRASHED,
        reason=Reason(code="comfyui_exited", params={"exit_code": "-9"}),
        crashes=1,
        restart_in_s=2.0,
    )
    assert [(line.code, line.params) for line in status_messages(crashed)] == [
        ("comfyui_state_crashed", {"seconds": "2"}),
        ("comfyui_exited", {"exit_code": "-9"}),
    ]
    none = ComfyUIStatus(mode=ComfyUIMode.NONE, state=ComfyUIState.STOPPED)
    assert [line.code for line in status_messages(none)] == ["comfyui_state_none"]


def test_the_redactor_hides_nested_folders_by_their_own_name() -> None:
    redact = PathRedactor({Path("/home/t/.local/share/AI4ArtsEd"): "<data>"}, home=Path("/home/t"))
    assert (
        redact("open /home/t/.local/share/AI4ArtsEd/comfyui/x and /home/t/y")
        == "open <data>/comfyui/x and ~/y"
    )
