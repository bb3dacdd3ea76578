"""What bin/run, bin/test and the image install: exactly the lock files, each file checked
against its sha256, with Thespian at the version our transport patch was written for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME_LOCK = (ROOT / "requirements.lock").read_text()
DEV_LOCK = (ROOT / "requirements-dev.lock").read_text()
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)", re.MULTILINE)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: str) -> dict[str, str]:
    return {_normal(name): version for name, version in PIN.findall(lock)}


def _entries(lock: str) -> list[str]:
    """One block per pinned package: its line, its hashes and its annotations."""
    return re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 2)[2].strip())


def _requirements(group: list[str]) -> list[Requirement]:
    return [Requirement(line) for line in group]


def test_every_runtime_dependency_is_pinned_in_both_locks_within_its_declared_range():
    runtime, dev = _pins(RUNTIME_LOCK), _pins(DEV_LOCK)
    for requirement in _requirements(PYPROJECT["project"]["dependencies"]):
        name = _normal(requirement.name)
        assert name in runtime, name
        assert requirement.specifier.contains(runtime[name], prereleases=True), name
        assert dev[name] == runtime[name], name


def test_every_dev_dependency_is_pinned_in_the_dev_lock():
    dev = _pins(DEV_LOCK)
    for requirement in _requirements(PYPROJECT["project"]["optional-dependencies"]["dev"]):
        assert requirement.specifier.contains(dev[_normal(requirement.name)]), requirement


def test_the_build_backend_is_locked_so_the_project_installs_without_fetching_it():
    for requirement in _requirements(PYPROJECT["build-system"]["requires"]):
        for lock in (RUNTIME_LOCK, DEV_LOCK):
            assert requirement.specifier.contains(_pins(lock)[_normal(requirement.name)])


def test_every_locked_package_carries_a_sha256_hash():
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        entries = _entries(lock)
        assert len(entries) == len(PIN.findall(lock)) > 10
        for entry in entries:
            assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.splitlines()[0]


def test_thespian_is_pinned_to_the_release_the_transport_patch_was_written_for():
    declared = {
        _normal(r.name): r.specifier for r in _requirements(PYPROJECT["project"]["dependencies"])
    }
    assert declared["thespian"] == SpecifierSet("==4.0.1")
    assert _pins(RUNTIME_LOCK)["thespian"] == _pins(DEV_LOCK)["thespian"] == "4.0.1"


def test_bin_run_and_bin_test_install_the_locks_with_hash_checking_only():
    venv_script = (ROOT / "bin/_venv.sh").read_text()
    assert "--require-hashes -r" in venv_script
    assert "requirements.lock" in venv_script
    assert "requirements-dev.lock" in venv_script
    # The project itself adds nothing: no dependency resolution, no isolated build env.
    assert "--no-deps --no-build-isolation -e" in venv_script
    assert "ensure_venv runtime" in (ROOT / "bin/run").read_text()
    assert "ensure_venv dev" in (ROOT / "bin/test").read_text()


def test_the_image_installs_the_runtime_lock_with_hash_checking_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = re.findall(r"pip install [^\n]+", dockerfile)
    assert installs, dockerfile
    assert "--require-hashes -r requirements.lock" in installs[0]
    assert all("--no-deps" in line for line in installs[1:])
    assert "COPY requirements.lock" in dockerfile


def test_the_image_python_is_the_one_the_locks_were_resolved_for():
    header = RUNTIME_LOCK.split("\n", 2)[1]
    assert "bin/lock" in header
    lock_script = (ROOT / "bin/lock").read_text()
    resolved_for = re.search(r"--python-version (\S+)", lock_script).group(1)
    for base in re.findall(r"^FROM python:(\d+\.\d+)", (ROOT / "Dockerfile").read_text(), re.M):
        assert base == resolved_for
    assert PYPROJECT["project"]["requires-python"] == f">={resolved_for}"
