"""No Docker engine runs here: these tests read the container files for what must hold,
and start Redis the way compose does with this machine's redis-server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
import yaml
from bot_process import free_port

from config.schema import specs

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS_ENV = {spec.env for spec in specs()}
SHELL_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin"}


def test_every_variable_the_bot_service_sets_is_a_setting():
    environment = COMPOSE["services"]["bot"]["environment"]
    assert set(environment) <= SETTINGS_ENV, set(environment) - SETTINGS_ENV


def test_every_variable_compose_takes_from_dotenv_is_documented_in_env_example():
    env_example = (ROOT / ".env.example").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert used
    for name in used:
        assert f"# {name}=" in env_example, name


def test_the_stack_has_bot_postgres_and_redis_with_volumes_and_env_file():
    services = COMPOSE["services"]
    assert set(services) == {"bot", "postgres", "redis"}
    assert services["bot"]["env_file"] == ".env"
    assert services["bot"]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@redis:6379/" in services["bot"]["environment"]["REDIS_URL"]
    for name in services:
        assert services[name].get("volumes"), name
    assert "--appendonly yes" in services["redis"]["command"][-1]


def test_the_image_is_multi_stage_non_root_and_healthchecked():
    assert len(re.findall(r"^FROM ", DOCKERFILE, re.MULTILINE)) >= 2
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE
    assert (ROOT / "bin/entry/healthcheck.py").exists()
    assert "bin/entry/run.py" in DOCKERFILE.split("ENTRYPOINT", 1)[1]


def test_every_top_level_folder_the_image_copies_exists():
    for source in re.findall(r"^COPY (?!--)(\S+) ", DOCKERFILE, re.MULTILINE):
        assert (ROOT / source).exists(), source


def test_the_bot_reaches_redis_with_the_password_from_dotenv():
    url = COMPOSE["services"]["bot"]["environment"]["REDIS_URL"]
    assert url.startswith("redis://:${REDIS_PASSWORD:?"), url
    assert COMPOSE["services"]["redis"]["environment"]["REDIS_PASSWORD"].startswith(
        "${REDIS_PASSWORD:?"
    )


def test_nothing_is_published_on_the_hosts_public_interfaces():
    for name, service in COMPOSE["services"].items():
        for published in service.get("ports", []):
            assert str(published).startswith("127.0.0.1:"), (name, published)
    assert "ports" not in COMPOSE["services"]["postgres"]
    assert "ports" not in COMPOSE["services"]["redis"]


def test_the_internal_endpoint_is_published_on_the_hosts_loopback_only():
    bot = COMPOSE["services"]["bot"]
    port = bot["environment"]["BOT_INTERNAL_PORT"]
    assert bot["ports"] == [f"127.0.0.1:{port}:{port}"]


def _compose_shell(command: str) -> str:
    """Compose writes `$$` for a `$` the container's shell expands."""
    return command.replace("$$", "$")


@pytest.fixture
def compose_redis(tmp_path: Path):
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("SKIPPED LOUDLY: redis-server is not installed here")
    service = COMPOSE["services"]["redis"]
    shell, flag, script = service["command"]
    assert (shell, flag) == ("sh", "-c")
    port = free_port()
    password = "Compose0Redis1Password2Test3"
    # Its own process group: the shell pipes the config into redis-server, a child of its
    # own that outlives the shell when only the shell is stopped.
    server = subprocess.Popen(
        [shell, flag, f"{_compose_shell(script)} --port {port} --bind 127.0.0.1 --dir {tmp_path}"],
        env={**SHELL_ENV, "REDIS_PASSWORD": password},
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=port, password=password).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield port, password, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def test_redis_started_as_compose_starts_it_refuses_clients_without_the_password(compose_redis):
    port, password, _ = compose_redis
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port).ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port, password="not-the-password").ping()
    assert redis.Redis(port=port, password=password).ping()


def test_the_redis_password_never_shows_in_the_process_list(compose_redis):
    _, password, pid = compose_redis
    assert password not in Path(f"/proc/{pid}/cmdline").read_text()


def test_the_redis_healthcheck_passes_only_with_the_password(compose_redis):
    port, password, _ = compose_redis
    kind, command = COMPOSE["services"]["redis"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    command = _compose_shell(command).replace("redis-cli", f"redis-cli -p {port}")
    healthy = subprocess.run(
        ["sh", "-c", command], env={**SHELL_ENV, "REDIS_PASSWORD": password}, check=False
    )
    unhealthy = subprocess.run(
        ["sh", "-c", command], env={**SHELL_ENV, "REDIS_PASSWORD": "x"}, check=False
    )
    assert healthy.returncode == 0
    assert unhealthy.returncode != 0
