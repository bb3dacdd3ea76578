"""No Docker engine runs here: these tests read the container files for what must hold."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from config.schema import specs

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS_ENV = {spec.env for spec in specs()}


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
    assert services["bot"]["environment"]["REDIS_URL"].startswith("redis://redis:")
    for name in services:
        assert services[name].get("volumes"), name
    assert "--appendonly" in services["redis"]["command"]


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
