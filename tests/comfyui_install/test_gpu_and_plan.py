"""GPU detection from the tools' documented output, and the install plan each GPU leads to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from server.comfyui_install.gpu_detection import (
    CPU_ONLY,
    NVIDIA_SMI_QUERY,
    DetectedGpu,
    GpuKind,
    detect_gpu,
    parse_macos_cpu,
    parse_nvidia_smi_csv,
    parse_nvidia_smi_summary,
    parse_rocminfo,
    parse_windows_video_controllers,
)
from server.comfyui_install.plan import PlanChoices, ReleasePin, TorchBuild, load_release, make_plan

SAMPLES = Path(__file__).parent / "samples"
REPO_ROOT = Path(__file__).resolve().parents[2]


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def test_nvidia_smi_query_gives_name_driver_and_memory() -> None:
    assert parse_nvidia_smi_csv(sample("nvidia-smi-query.csv")) == DetectedGpu(
        kind=GpuKind.NVIDIA, name="NVIDIA GeForce RTX 3060", driver_version="535.104.05", memory_mb=12288
    )


def test_nvidia_smi_summary_table_is_understood_too() -> None:
    found = parse_nvidia_smi_summary(sample("nvidia-smi-summary.txt"))
    assert found == DetectedGpu(
        kind=GpuKind.NVIDIA, name="Tesla T4", driver_version="525.60.13", memory_mb=15360
    )


def test_rocminfo_takes_the_gpu_agent_not_the_cpu() -> None:
    found = parse_rocminfo(sample("rocminfo.txt"))
    assert found == DetectedGpu(kind=GpuKind.AMD, name="AMD Radeon RX 6800 XT (gfx1030)")


def test_windows_wmi_finds_an_amd_card() -> None:
    found = parse_windows_video_controllers(sample("windows-video-controllers.txt"))
    assert found == DetectedGpu(kind=GpuKind.AMD, name="AMD Radeon RX 7600", driver_version="31.0.24027.1012")


def test_apple_silicon_and_intel_macs() -> None:
    assert parse_macos_cpu("Apple M1\n", "arm64\n") == DetectedGpu(kind=GpuKind.APPLE, name="Apple M1")
    assert parse_macos_cpu("Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz", "x86_64") is None


def _runner(answers: dict[str, str]):  # type: ignore[no-untyped-def]
    def run(command: Sequence[str]) -> str | None:
        return answers.get(command[0])

    return run


@pytest.mark.parametrize(
    ("platform", "answers", "kind"),
    [
        ("linux", {"nvidia-smi": sample("nvidia-smi-query.csv")}, GpuKind.NVIDIA),
        ("win32", {"nvidia-smi": sample("nvidia-smi-query.csv")}, GpuKind.NVIDIA),
        ("linux", {"rocminfo": sample("rocminfo.txt")}, GpuKind.AMD),
        ("win32", {"powershell": sample("windows-video-controllers.txt")}, GpuKind.AMD),
        ("darwin", {"sysctl": "Apple M2 Pro", "uname": "arm64"}, GpuKind.APPLE),
        ("linux", {}, GpuKind.NONE),
    ],
)
def test_detection_asks_the_tools_of_each_platform(
    platform: str, answers: dict[str, str], kind: GpuKind
) -> None:
    assert detect_gpu(_runner(answers), platform).kind is kind


def test_the_nvidia_query_is_the_documented_one() -> None:
    assert NVIDIA_SMI_QUERY[1] == "--query-gpu=name,driver_version,memory.total"


@pytest.fixture
def release() -> ReleasePin:
    return load_release(REPO_ROOT / "configs" / "comfyui_release.json")


@pytest.mark.parametrize(
    ("gpu", "platform", "build", "index", "unusable"),
    [
        (
            DetectedGpu(kind=GpuKind.NVIDIA, name="RTX", driver_version="535"),
            "win32",
            TorchBuild.CUDA,
            "cu",
            False,
        ),
        (
            DetectedGpu(kind=GpuKind.NVIDIA, name="RTX", driver_version="535"),
            "linux",
            TorchBuild.CUDA,
            "cu",
            False,
        ),
        (DetectedGpu(kind=GpuKind.AMD, name="RX"), "linux", TorchBuild.ROCM, "rocm", False),
        (DetectedGpu(kind=GpuKind.AMD, name="RX"), "win32", TorchBuild.CPU, "cpu", True),
        (DetectedGpu(kind=GpuKind.APPLE, name="Apple M1"), "darwin", TorchBuild.MPS, "pypi.org", False),
        (CPU_ONLY, "linux", TorchBuild.CPU, "whl/cpu", False),
    ],
)
def test_the_plan_picks_pytorch_for_the_gpu(
    release: ReleasePin,
    tmp_path: Path,
    gpu: DetectedGpu,
    platform: str,
    build: TorchBuild,
    index: str,
    unusable: bool,
) -> None:
    plan = make_plan(release, gpu, PlanChoices(), tmp_path / "installs", platform)
    assert plan.torch_build is build
    assert plan.gpu_unusable is unusable
    assert plan.torch_index_url is not None and index in plan.torch_index_url
    assert [package.split("==")[0] for package in plan.torch_packages] == [
        "torch",
        "torchvision",
        "torchaudio",
    ]
    assert all("==" in package for package in plan.torch_packages)  # pinned, never "newest"
    assert plan.version == "0.3.64" and plan.needs_network is True
    assert plan.archive_url is not None and plan.archive_url.startswith(
        "https://github.com/comfyanonymous/ComfyUI/"
    )
    assert plan.space_needed_bytes > plan.download_bytes > 0


def test_a_school_mirror_serves_everything_and_a_bundle_needs_no_network(
    release: ReleasePin, tmp_path: Path
) -> None:
    mirror = make_plan(
        release,
        CPU_ONLY,
        PlanChoices(package_index="https://mirror.school.example/simple"),
        tmp_path,
        "linux",
    )
    assert mirror.torch_index_url == mirror.package_index == "https://mirror.school.example/simple"
    archive = tmp_path / "ComfyUI.tar.gz"
    bundle = make_plan(
        release,
        CPU_ONLY,
        PlanChoices(
            archive_file=str(archive), archive_sha256="a" * 64, wheel_folder=str(tmp_path / "wheels")
        ),
        tmp_path,
        "linux",
    )
    assert (bundle.offline, bundle.needs_network, bundle.archive_url) == (True, False, None)
    assert bundle.torch_index_url is None and bundle.package_index is None
    assert bundle.download_bytes == 0


def test_the_release_pin_is_data_with_every_gpu_kind(release: ReleasePin) -> None:
    raw = json.loads((REPO_ROOT / "configs" / "comfyui_release.json").read_text(encoding="utf-8"))
    assert set(raw["torch"]) == {build.value for build in TorchBuild}
    assert release.constraints and all("==" in line for line in release.constraints)
