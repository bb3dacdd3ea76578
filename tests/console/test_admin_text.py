"""What an admin reads after /admin: the Supervisor's key and data said in their language."""

from __future__ import annotations

from supervisor_status import STATUS_DATA

from adapters.chat.admin_text import render_admin_reply
from messages.admin import AdminReply

STATUS = AdminReply(ok=True, key="admin.status", data=STATUS_DATA)


def test_status_shows_every_number_in_indonesian():
    text = render_admin_reply(STATUS, "id", as_html=False)
    lines = text.splitlines()
    assert lines[0] == "Status sistem"
    assert "Strategi berjalan: 1.250" in lines
    assert "Aktor inti: notifier, price_feed, trigger_book" in lines
    assert "Semua strategi dijeda (dead-man): ya" in lines
    assert "Sedang dimatikan: tidak" in lines
    assert "Feed harga: cadangan REST — 420 frame, 4 sambung ulang, 9 polling REST" in lines
    assert lines[-1] == "• 1001: 7"


def test_status_in_english_for_telegram_is_html():
    text = render_admin_reply(STATUS, "en", as_html=True)
    assert text.startswith("<b>System status</b>\n")
    assert "Every strategy paused (dead-man): yes" in text
    assert "Notification backlog: 11" in text


def test_the_user_list_is_a_row_per_user_with_values_escaped():
    reply = AdminReply(
        ok=True,
        key="admin.users",
        data={
            "users": [
                {
                    "telegram_id": 1001,
                    "status": "suspended",
                    "mode": "live",
                    "language": "id",
                    "actor": False,
                    "restarts": 3,
                },
                {
                    "telegram_id": 1002,
                    "status": "active",
                    "mode": "paper",
                    "language": "<en>",
                    "actor": True,
                    "restarts": 0,
                },
            ]
        },
    )
    text = render_admin_reply(reply, "en", as_html=True)
    assert text.splitlines() == [
        "<b>Users</b>",
        "2 users:",
        "• 1001 — suspended, live mode, language id, process running: no, restarts 3",
        "• 1002 — active, paper mode, language &lt;en&gt;, process running: yes, restarts 0",
    ]


def test_no_users_is_said_rather_than_left_blank():
    reply = AdminReply(ok=True, key="admin.users", data={"users": []})
    assert render_admin_reply(reply, "id", as_html=False) == "Daftar pengguna\nBelum ada pengguna."


def test_short_replies_fill_their_sentence_from_the_data():
    revoked = AdminReply(
        ok=True, key="admin.token_revoked", data={"telegram_id": 1001, "revoked": 2}
    )
    unknown = AdminReply(ok=False, key="admin.unknown_user", data={"telegram_id": 404})
    assert render_admin_reply(revoked, "en", as_html=False) == "Token of user 1001 revoked (2)."
    assert render_admin_reply(unknown, "id", as_html=False) == "Pengguna 404 tidak dikenal."
