"""The same persistence behaviour on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import peewee
import pytest
from peewee_migrate import Router

from config.secret import SecretUrl
from persistence.database import connect, db
from persistence.migrate import MIGRATIONS_DIR, apply_migrations, pending_migrations
from persistence.models import AccessToken, Alert, AuditEntry, Credential, Order, Strategy, User
from persistence.models.alerts import active_alerts
from persistence.models.audit import audit
from persistence.models.orders import (
    order_by_client_id,
    owed_outcomes,
    owners_of_orders_unchecked_since,
    users_owed_outcomes,
)
from persistence.models.outbox import OutboxMessage, mark_delivered, photos, store
from persistence.models.strategies import (
    next_status,
    running_strategies,
    save_progress,
    set_status,
)
from persistence.models.tokens import command_standing, issue_token, revoke_tokens, valid_token
from persistence.models.users import (
    NOTIFICATION_KINDS,
    find_user,
    next_notify_level,
    notification_settings,
    set_notify_level,
)


def make_user(telegram_id: int = 1001) -> User:
    return User.create(telegram_id=telegram_id, chat_id=telegram_id)


def test_migrations_are_idempotent(database):
    assert apply_migrations(database) == []
    assert pending_migrations(database) == []
    assert {
        "users",
        "credentials",
        "access_tokens",
        "orders",
        "strategies",
        "alerts",
        "audit_log",
    } <= set(database.get_tables())


def test_money_round_trips_exactly(database):
    user = make_user()
    price = Decimal("1234567890.123456789012345678")
    order = Order.create(
        user=user,
        client_order_id="c-exact",
        pair="btc_idr",
        side="buy",
        order_type="limit",
        price=price,
        amount=Decimal("0.00000001"),
    )
    loaded = Order.get_by_id(order.id)
    assert loaded.price == price
    assert format(loaded.amount, "f") == "0.00000001"
    assert str(loaded.filled_amount) == "0"


def test_float_money_is_refused(database):
    user = make_user()
    with pytest.raises(TypeError, match="never float"):
        Order.create(
            user=user,
            client_order_id="c-float",
            pair="btc_idr",
            side="buy",
            order_type="limit",
            price=0.1,
        )


def test_client_order_id_is_unique(database):
    user = make_user()
    fields = {
        "user": user,
        "pair": "btc_idr",
        "side": "buy",
        "order_type": "market",
        "quote_amount": Decimal(50000),
    }
    Order.create(client_order_id="dup-1", **fields)
    with pytest.raises(peewee.IntegrityError), database.atomic():
        Order.create(client_order_id="dup-1", **fields)
    assert order_by_client_id("dup-1").quote_amount == 50000


def test_orders_whose_outcome_the_user_has_not_heard_are_found_with_their_users(database):
    user, other = make_user(), make_user(1002)
    for cid, state, owed in (
        ("a", "pending", False),  # a crash cut its trade off: always owed
        ("b", "open", False),
        ("c", "unknown", True),
        ("d", "filled", True),  # found, not yet told
        ("e", "unknown", False),  # told "check Indodax" already
    ):
        Order.create(
            user=user,
            client_order_id=cid,
            pair="eth_idr",
            side="sell",
            order_type="limit",
            price=Decimal(1000),
            amount=Decimal(1),
            state=state,
            outcome_owed=owed,
        )
    assert [order.client_order_id for order in owed_outcomes(user)] == ["a", "c", "d"]
    assert owed_outcomes(other) == []
    assert users_owed_outcomes() == {1001}


def test_orders_left_unknown_before_the_follow_up_existed_are_owed_after_the_upgrade(tmp_path):
    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/old.sqlite3"))
    try:
        Router(handle, migrate_dir=MIGRATIONS_DIR).run("004_paper")
        user = make_user()
        for cid, state in (("told-before", "open"), ("never-checked", "unknown")):
            handle.execute_sql(
                "INSERT INTO orders (user_id, client_order_id, pair, side, order_type, "
                "filled_amount, state, created_at, updated_at) VALUES "
                "(?, ?, 'btc_idr', 'buy', 'market', 0, ?, '2026-01-01', '2026-01-01')",
                (user.id, cid, state),
            )
        apply_migrations(handle)
        assert [order.client_order_id for order in owed_outcomes(user)] == ["never-checked"]
    finally:
        handle.close()
        db.initialize(None)


def test_orders_resting_before_checks_were_recorded_are_due_for_one_after_the_upgrade(tmp_path):
    handle = connect(SecretUrl(f"sqlite:///{tmp_path}/old.sqlite3"))
    try:
        Router(handle, migrate_dir=MIGRATIONS_DIR).run("009_strategy_timers")
        user = make_user()
        handle.execute_sql(
            "INSERT INTO orders (user_id, client_order_id, pair, side, order_type, price, "
            "amount, filled_amount, state, outcome_owed, created_at, updated_at) VALUES "
            "(?, 'rested-before', 'btc_idr', 'buy', 'limit', 900000000, 0.001, 0, 'open', "
            "FALSE, '2026-01-01', '2026-01-01')",
            (user.id,),
        )
        apply_migrations(handle)
        Credential.create(
            user=user, api_key_enc="k", api_secret_enc="s", key_fingerprint="f", vault_key_id="v"
        )
        assert order_by_client_id("rested-before").checked_at is None
        assert owners_of_orders_unchecked_since(datetime(2026, 1, 1, tzinfo=UTC)) == {1001}
    finally:
        handle.close()
        db.initialize(None)


def test_timestamps_come_back_as_utc(database):
    moment = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    user = User.create(telegram_id=5, chat_id=5, created_at=moment)
    assert User.get_by_id(user.id).created_at == moment


def test_access_token_is_stored_only_as_a_hash_and_ends_on_expiry_or_revoke(database):
    user = make_user()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token = issue_token(user, ttl_seconds=60, now=now)
    assert AccessToken.select().where(AccessToken.token_hash == token).count() == 0
    assert valid_token(token, now=now + timedelta(seconds=59)).user_id == user.id
    assert valid_token(token, now=now + timedelta(seconds=61)) is None
    assert revoke_tokens(user, now=now) == 1
    assert valid_token(token, now=now) is None
    assert valid_token("not-a-token", now=now) is None


def test_one_query_tells_a_commands_token_and_whether_its_user_is_suspended(database):
    user, other = make_user(), make_user(telegram_id=1002)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token, others = issue_token(user, 60, now=now), issue_token(other, 60, now=now)
    standing = command_standing(user, token, now=now)
    assert not standing.suspended and standing.token is not None
    assert standing.token.user_id == user.id
    assert command_standing(user, others, now=now).token is None  # another user's token
    assert command_standing(user, None, now=now).token is None
    assert command_standing(user, token, now=now + timedelta(seconds=61)).token is None
    User.update(status="suspended").where(User.id == user.id).execute()
    assert command_standing(user, None, now=now).suspended
    assert not command_standing(other, others, now=now).suspended


def test_messages_stored_in_bulk_keep_the_first_copy_of_a_message_stored_twice(database):
    rows = [{"correlation_id": f"c{n}", "chat_id": n, "payload": {"n": n}} for n in range(250)]
    store(rows[:10])
    store([{**row, "payload": {"n": "again"}} for row in rows[:10]] + rows[10:])
    assert OutboxMessage.select().count() == 250  # three statements: 100, 100 and 50 rows
    assert OutboxMessage.get(OutboxMessage.correlation_id == "c3").payload == {"n": 3}
    mark_delivered(["c1", "c2"])
    assert OutboxMessage.select().where(OutboxMessage.delivered_at.is_null()).count() == 248


def test_a_photos_png_is_kept_byte_for_byte_until_its_message_is_delivered(database):
    png = b"\x89PNG\r\n\x1a\n\x00\xff" * 20_000
    rows = [{"correlation_id": cid, "chat_id": 1, "payload": {}} for cid in ("p1", "p2", "t3")]
    store(rows, photos={"p1": png, "p2": png[:10]})
    store(rows[:1], photos={"p1": b"again"})  # the same message told twice keeps its photo
    assert photos(["p1", "p2", "t3"]) == {"p1": png, "p2": png[:10]}
    mark_delivered(["p1", "t3"])
    assert photos(["p1", "p2", "t3"]) == {"p2": png[:10]}


def test_strategy_params_and_state_keep_decimals_as_text(database):
    user = make_user()
    Strategy.create(
        user=user,
        kind="dca",
        pair="btc_idr",
        params={"idr_per_buy": 100000, "interval_s": 3600},
        state={"bought": Decimal("0.0012")},
    )
    Strategy.create(user=user, kind="grid", pair="eth_idr", status="paused")
    [running] = running_strategies(user)
    assert running.params == {"idr_per_buy": 100000, "interval_s": 3600}
    assert running.state == {"bought": "0.0012"}


def test_a_strategys_saved_progress_adds_to_its_state_and_leaves_the_users_status_alone(
    database,
):
    strategy = Strategy.create(user=make_user(), kind="dca", pair="btc_idr", state={"a": 1})
    set_status(strategy.id, "paused")  # the user, while the strategy held its row
    save_progress(strategy, b=2)
    stored = Strategy.get_by_id(strategy.id)
    assert (stored.state, stored.status) == ({"a": 1, "b": 2}, "paused")
    save_progress(strategy, "stopped", c=3)
    stored = Strategy.get_by_id(strategy.id)
    assert (stored.state, stored.status) == ({"a": 1, "b": 2, "c": 3}, "stopped")


def test_only_active_alerts_are_loaded_for_a_pair(database):
    user = make_user()
    Alert.create(user=user, pair="btcidr", direction="above", price=Decimal(1_100_000_000))
    Alert.create(
        user=user, pair="btcidr", direction="below", price=Decimal(900_000_000), status="fired"
    )
    Alert.create(user=user, pair="ethidr", direction="below", price=Decimal(50_000_000))
    [alert] = active_alerts("btcidr")
    assert alert.price == Decimal(1_100_000_000)


def test_audit_log_records_who_did_what(database):
    user = make_user(77)
    audit("user:77", "link", user=user, correlation_id="c-1", key_fingerprint="abc")
    entry = AuditEntry.get()
    assert (entry.actor, entry.action, entry.detail) == (
        "user:77",
        "link",
        {"key_fingerprint": "abc"},
    )
    assert find_user(77).id == user.id


def test_deleting_a_user_removes_their_rows_but_keeps_the_audit_trail(database):
    user = make_user()
    issue_token(user, 60)
    audit("admin:1", "revoke", user=user)
    user.delete_instance()
    assert AccessToken.select().count() == 0
    assert AuditEntry.get().user_id is None


def test_notification_settings_start_on_and_are_read_for_many_users_at_once(database):
    quiet, default = make_user(2001), make_user(2002)
    set_notify_level(quiet, "fill", "off")
    set_notify_level(quiet, "system", "silent")
    found = notification_settings([2001, 2002, 2003])
    assert set(found) == {2001, 2002}
    assert [found[2001].notify_level(k) for k in NOTIFICATION_KINDS] == [
        "on",
        "off",
        "on",
        "silent",
    ]
    assert [found[2002].notify_level(k) for k in NOTIFICATION_KINDS] == ["on"] * 4
    assert default.notify_level("info") == "on"  # kinds without a setting always arrive
    with pytest.raises(ValueError, match="no notification setting"):
        set_notify_level(quiet, "system", "loud")


def test_the_notification_cycle_skips_off_for_system_messages():
    cycle = ["on"]
    for _ in range(3):
        cycle.append(next_notify_level("alert", cycle[-1]))
    assert cycle == ["on", "silent", "off", "on"]
    assert next_notify_level("system", "silent") == "on"


def test_a_strategy_can_only_move_the_ways_a_user_may_move_it():
    assert next_status("running", "pause") == "paused"
    assert next_status("paused", "resume") == "running"
    assert next_status("failed", "stop") == "stopped"
    assert next_status("failed", "resume") is None
    assert next_status("stopped", "stop") is None
