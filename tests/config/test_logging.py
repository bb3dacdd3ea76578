from __future__ import annotations

import io
import json
import logging
import re
import stat

import pytest

from actors.runtime.system import log_defs
from config.logs import (
    log_context,
    new_log_file,
    redact_at_source,
    register_secret,
    setup_logging,
)
from config.schema import SecuritySettings
from config.secret import Secret, SecretUrl

API_SECRET = "e3f1c0a9b8d7-real-looking-api-secret-5f6a"


@pytest.fixture
def captured():
    stream = io.StringIO()
    yield stream
    setup_logging("text", "WARNING")


def lines_of(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_production_logs_are_one_json_object_per_line_with_user_and_correlation(captured):
    setup_logging("json", "INFO", stream=captured)
    with log_context(user_id=4242, correlation_id="corr-1"):
        logging.getLogger("orders").info("order placed", extra={"pair": "btcidr"})
    [line] = lines_of(captured)
    record = json.loads(line)
    assert record["msg"] == "order placed"
    assert record["user_id"] == 4242
    assert record["correlation_id"] == "corr-1"
    assert record["pair"] == "btcidr"
    assert record["level"] == "INFO"


def test_demo_logs_are_readable_lines_with_the_context_at_the_end(captured):
    setup_logging("text", "INFO", stream=captured)
    logging.getLogger("orders").info("order placed", extra={"user_id": 7, "correlation_id": "c9"})
    [line] = lines_of(captured)
    assert "INFO" in line
    assert "orders: order placed [user_id=7 correlation_id=c9]" in line


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_secret_passed_to_a_log_call_never_appears(captured, fmt):
    setup_logging(fmt, "DEBUG", secrets=[Secret(API_SECRET)], stream=captured)
    log = logging.getLogger("leaky")
    log.info("secret as argument: %s", API_SECRET)
    log.info(f"secret in an f-string: {API_SECRET}")
    log.info("secret in extra", extra={"body": f"method=trade&secret={API_SECRET}"})
    try:
        raise RuntimeError(f"exchange rejected {API_SECRET}")
    except RuntimeError:
        log.exception("secret inside an exception")
    output = captured.getvalue()
    assert API_SECRET not in output
    assert output.count("***") >= 4


def test_a_secret_with_json_special_characters_is_masked_in_json_logs(captured):
    tricky = 'quote"and\\backslash-secret'
    setup_logging("json", "INFO", secrets=[Secret(tricky)], stream=captured)
    logging.getLogger("x").info("value %s", tricky)
    assert tricky not in captured.getvalue()
    assert "quote" not in captured.getvalue()


def test_secrets_learned_after_start_are_masked_too(captured):
    setup_logging("json", "INFO", stream=captured)
    register_secret("decrypted-user-secret-abc")
    logging.getLogger("user").info("loaded decrypted-user-secret-abc")
    assert "decrypted-user-secret-abc" not in captured.getvalue()


def test_only_the_password_of_a_database_url_is_masked(captured):
    setup_logging(
        "json", "INFO", secrets=[SecretUrl("postgresql://bot:pw-4471x@db/bot")], stream=captured
    )
    logging.getLogger("db").info("connecting to postgresql://bot:pw-4471x@db/bot")
    assert "pw-4471x" not in captured.getvalue()
    assert "postgresql://bot:***@db/bot" in captured.getvalue()


def test_settings_repr_in_a_log_line_shows_no_secret(captured):
    security = SecuritySettings(app_secret_key=Secret(API_SECRET))
    setup_logging("json", "INFO", stream=captured)
    logging.getLogger("boot").info("settings: %r", security)
    assert API_SECRET not in captured.getvalue()


def test_records_shipped_to_another_process_are_redacted_before_they_leave():
    shipped: list[logging.LogRecord] = []

    class Shipper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shipped.append(record)

    actor_log = logging.getLogger("shipping-actor")
    actor_log.propagate = False
    actor_log.addHandler(Shipper())
    redact_at_source(actor_log)
    register_secret("user-secret-decrypted-here")
    try:
        raise ValueError("bad user-secret-decrypted-here")
    except ValueError:
        actor_log.exception(
            "sign with %s",
            "user-secret-decrypted-here",
            extra={"body": "user-secret-decrypted-here"},
        )
    [record] = shipped
    text = f"{record.getMessage()} {record.exc_text} {record.body}"
    assert "user-secret-decrypted-here" not in text
    assert record.exc_info is None


def test_with_a_log_file_the_terminal_keeps_only_warnings_and_errors(captured, tmp_path):
    log_file = new_log_file(tmp_path / "var")
    setup_logging("text", "INFO", stream=captured, log_file=log_file)
    logging.getLogger("bot").info("order placed")
    logging.getLogger("bot").warning("price feed silent")
    terminal = "\n".join(lines_of(captured))
    written = log_file.read_text()
    assert "order placed" not in terminal
    assert "price feed silent" in terminal
    assert "order placed" in written and "price feed silent" in written
    assert log_file.parent == tmp_path / "var" / "logs"
    assert re.fullmatch(r"bot-\d{8}T\d{6}Z\.log", log_file.name)
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_the_actor_systems_logger_process_writes_to_the_same_file(captured, tmp_path):
    log_file = new_log_file(tmp_path)
    setup_logging("json", "INFO", stream=captured, log_file=log_file)
    defs = log_defs("json", "INFO")
    assert defs["handlers"]["file"]["filename"] == str(log_file)
    assert defs["handlers"]["terminal"]["level"] == "WARNING"
    assert set(defs["root"]["handlers"]) == {"terminal", "file"}


def test_without_a_log_file_everything_goes_to_the_terminal(captured):
    setup_logging("text", "INFO", stream=captured)
    defs = log_defs("text", "INFO")
    assert list(defs["handlers"]) == ["terminal"]
    assert "level" not in defs["handlers"]["terminal"]
