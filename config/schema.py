"""The typed, immutable settings and, beside each one, its environment name and parser.

The defaults here are the embedded default (demo mode); `settings.yaml` repeats them
with comments for operators, and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import parsers
from config.parsers import Parser
from config.secret import Secret, SecretUrl

MODES = ("demo", "paper", "live")
LANGUAGES = ("id", "en")


def setting(env: str, default: Any, parse: Parser, doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"env": env, "parse": parse, "doc": doc})


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: Secret = setting(
        "TELEGRAM_BOT_TOKEN", Secret(""), parsers.secret, "Bot token from @BotFather."
    )
    admin_ids: tuple[int, ...] = setting(
        "ADMIN_TELEGRAM_IDS",
        (),
        parsers.int_list,
        "Telegram user ids allowed to use /admin (comma-separated in the environment).",
    )
    api_base_url: str = setting(
        "TELEGRAM_API_BASE_URL",
        "https://api.telegram.org/bot",
        parsers.url("http", "https"),
        "Bot API base URL; point it at a self-hosted Bot API server or a test fake.",
    )
    update_mode: str = setting(
        "TELEGRAM_UPDATE_MODE",
        "polling",
        parsers.choice("polling", "webhook"),
        "polling (no public endpoint needed) or webhook (production, behind HTTPS).",
    )
    webhook_url: str = setting(
        "TELEGRAM_WEBHOOK_URL",
        "",
        parsers.url("https", optional=True),
        "Public HTTPS URL Telegram posts updates to (webhook mode).",
    )
    webhook_secret: Secret = setting(
        "TELEGRAM_WEBHOOK_SECRET",
        Secret(""),
        parsers.secret,
        "Checked against X-Telegram-Bot-Api-Secret-Token on every webhook call (A-Z a-z 0-9 _ -).",
    )
    webhook_host: str = setting(
        "TELEGRAM_WEBHOOK_HOST",
        "127.0.0.1",
        parsers.text,
        "Bind address of the webhook listener (the reverse proxy forwards to it).",
    )
    webhook_port: int = setting(
        "TELEGRAM_WEBHOOK_PORT",
        8443,
        parsers.integer(1, 65535),
        "Port of the webhook listener.",
    )
    webhook_path: str = setting(
        "TELEGRAM_WEBHOOK_PATH",
        "/telegram/webhook",
        parsers.text,
        "Path of the webhook listener.",
    )
    chat_interval_ms: int = setting(
        "TELEGRAM_CHAT_INTERVAL_MS",
        1000,
        parsers.integer(0, 60000),
        "Pace of messages to one chat after a burst of three (Telegram allows about 1/s).",
    )


@dataclass(frozen=True)
class ChatSettings:
    adapter: str = setting(
        "CHAT_ADAPTER",
        "auto",
        parsers.choice("auto", "telegram", "console"),
        "auto = Telegram when a bot token is set, otherwise the console chat.",
    )
    default_language: str = setting(
        "DEFAULT_LANGUAGE", "id", parsers.choice(*LANGUAGES), "Language for new users."
    )
    commands_per_minute: int = setting(
        "CHAT_COMMANDS_PER_MINUTE",
        30,
        parsers.integer(1, 10000),
        "Messages and button taps one user may send a minute; a flood gets one polite message.",
    )
    conversation_seconds: int = setting(
        "CHAT_CONVERSATION_SECONDS",
        300,
        parsers.integer(10, 86400),
        "How long /link and the guided /trade wait for an answer.",
    )


@dataclass(frozen=True)
class SecuritySettings:
    app_secret_key: Secret = setting(
        "APP_SECRET_KEY",
        Secret(""),
        parsers.secret,
        "Master key for the vault (>= 32 characters outside demo).",
    )
    app_secret_key_previous: Secret = setting(
        "APP_SECRET_KEY_PREVIOUS",
        Secret(""),
        parsers.secret,
        "The old master key while bin/rotate-key re-encrypts stored secrets.",
    )
    user_token_ttl_seconds: int = setting(
        "USER_TOKEN_TTL_SECONDS",
        604800,
        parsers.integer(60),
        "Lifetime of a user's access token.",
    )
    user_token_rotation_threshold_seconds: int = setting(
        "USER_TOKEN_ROTATION_THRESHOLD_SECONDS",
        86400,
        parsers.integer(1),
        "Actors rotate a token once it is older than this.",
    )
    user_token_refresh_threshold_seconds: int = setting(
        "USER_TOKEN_REFRESH_THRESHOLD_SECONDS",
        3600,
        parsers.integer(1),
        "The chat adapter refreshes a token with less than this left.",
    )


@dataclass(frozen=True)
class InternalSettings:
    host: str = setting(
        "BOT_INTERNAL_HOST", "127.0.0.1", parsers.text, "Bind address of the internal endpoint."
    )
    port: int = setting(
        "BOT_INTERNAL_PORT", 8081, parsers.integer(1, 65535), "Port of the internal endpoint."
    )
    core_api_token: Secret = setting(
        "CORE_API_INTERNAL_TOKEN",
        Secret(""),
        parsers.secret,
        "X-Internal-Token for operator endpoints such as POST /api/auth/admin/revoke.",
    )


@dataclass(frozen=True)
class DatabaseSettings:
    url: SecretUrl = setting(
        "DATABASE_URL",
        SecretUrl("sqlite:///var/indodax-bot.sqlite3"),
        parsers.database_url,
        "sqlite:///path (WAL, embedded) or postgresql://user:password@host:port/db.",
    )
    kept_connections: int = setting(
        "DATABASE_KEPT_CONNECTIONS",
        40,
        parsers.integer(0, 100_000),
        "How many user actors on this host keep their connection between messages (the rest "
        "connect per message); core actors and adapters keep about ten more. Keep the sum "
        "under PostgreSQL's max_connections, per host.",
    )
    brief_connections: int = setting(
        "DATABASE_BRIEF_CONNECTIONS",
        40,
        parsers.integer(0, 100_000),
        "How many of the other user actors on this host may be connected at once for one "
        "message; the rest wait their turn (0: no bound). Kept + brief + about ten must stay "
        "under PostgreSQL's max_connections, per host.",
    )
    release_seconds: int = setting(
        "DATABASE_RELEASE_SECONDS",
        5,
        parsers.integer(1, 3600),
        "A kept connection is closed, and its place freed, after this long unused.",
    )


@dataclass(frozen=True)
class RedisSettings:
    url: SecretUrl = setting(
        "REDIS_URL",
        SecretUrl(""),
        parsers.redis_url,
        "Nonce and token stores shared by every process and host; empty = local files.",
    )


@dataclass(frozen=True)
class IndodaxSettings:
    rest_base_url: str = setting(
        "INDODAX_REST_URL",
        "https://indodax.com",
        parsers.url("http", "https"),
        "Public REST API host.",
    )
    tapi_url: str = setting(
        "INDODAX_TAPI_URL",
        "https://indodax.com/tapi",
        parsers.url("http", "https"),
        "Private Trade API v1 endpoint.",
    )
    tapi_v2_base_url: str = setting(
        "INDODAX_TAPI_V2_URL",
        "https://tapi.indodax.com",
        parsers.url("http", "https"),
        "Host of the v2 history endpoints (/api/v2/order/histories, /api/v2/myTrades).",
    )
    price_feed_ws_url: str = setting(
        "PRICE_FEED_WS_URL",
        "wss://ws3.indodax.com/ws/",
        parsers.url("ws", "wss"),
        "Market-data WebSocket (Centrifugo).",
    )
    order_stream_ws_url: str = setting(
        "ORDER_STREAM_WS_URL",
        "wss://pws.indodax.com/ws/?cf_ws_frame_ping_pong=true",
        parsers.url("ws", "wss", optional=True),
        "Private order-update WebSocket (Centrifugo v3; a fill is told as it happens, without"
        " a lookup); empty = follow orders by triggers and sweeps only.",
    )
    auth_mode: str = setting(
        "INDODAX_AUTH_MODE",
        "nonce",
        parsers.choice("nonce", "timestamp"),
        "Freshness of private calls: strictly increasing nonce, or timestamp + recvWindow.",
    )
    recv_window_ms: int = setting(
        "INDODAX_RECV_WINDOW_MS",
        5000,
        parsers.integer(100, 60000),
        "recvWindow sent with timestamp auth.",
    )
    feed_silence_seconds: int = setting(
        "PRICE_FEED_SILENCE_SECONDS",
        10,
        parsers.integer(1, 600),
        "No market push for this long and REST polling takes over until the socket is back.",
    )
    order_follow_up_seconds: int = setting(
        "ORDER_FOLLOW_UP_SECONDS",
        300,
        parsers.integer(1, 86400),
        "How long an order whose outcome is unknown is looked up before its user is told to "
        "check Indodax.",
    )
    order_reconcile_seconds: int = setting(
        "ORDER_RECONCILE_SECONDS",
        300,
        parsers.integer(10, 86400),
        "How often a user's resting orders are checked against the exchange's open orders "
        "(fills are looked up as soon as the market reaches an order's price).",
    )
    exchange_heartbeat_seconds: int = setting(
        "EXCHANGE_HEARTBEAT_SECONDS",
        0,
        parsers.integer(0, 3600),
        "0: off. Otherwise each user's actor arms Indodax's countdownCancelAll for this many "
        "seconds on the pairs where their strategies have orders resting, again every third "
        "of it: if the bot dies, Indodax cancels those orders itself. The costs: every open "
        "order on those pairs is cancelled, the user's own manual ones too; a network or host "
        "stall longer than this cancels them as well (a grid must then be set up again); one "
        "more private call per user every third of it; and a user with strategy orders "
        "resting stays in memory instead of leaving when idle.",
    )
    history_import_days: int = setting(
        "HISTORY_IMPORT_DAYS",
        180,
        parsers.integer(7, 3650),
        "How far back a linked account's trades and coin transfers are imported for /portfolio's "
        "profit and loss; coins the history cannot explain are shown with an unknown cost.",
    )
    history_import_interval_ms: int = setting(
        "HISTORY_IMPORT_INTERVAL_MS",
        1000,
        parsers.integer(100, 60000),
        "Pause between two history calls of one user's import, so an import never crowds out "
        "trading: the v2 history limit (300 a minute) is per IP, shared by every user.",
    )
    history_import_per_minute: int = setting(
        "HISTORY_IMPORT_PER_MINUTE",
        120,
        parsers.integer(1, 300),
        "History calls a minute for every user's import together (shared through Redis, or a "
        "local file without it): Indodax allows 300 v2 history calls a minute per IP, and the "
        "rest are left to looking up orders that filled.",
    )
    order_reconcile_dormant_seconds: int = setting(
        "ORDER_RECONCILE_DORMANT_SECONDS",
        3600,
        parsers.integer(60, 86400),
        "How long a resting order may go unchecked against the exchange while its user's "
        "actor is out of memory before the actor is started to sweep (a cancel on Indodax's "
        "site, a fill whose tick was missed).",
    )


@dataclass(frozen=True)
class SimulatorSettings:
    host: str = setting(
        "SIMULATOR_HOST", "127.0.0.1", parsers.text, "Bind address of the local simulator."
    )
    port: int = setting(
        "SIMULATOR_PORT", 8710, parsers.integer(1, 65535), "Port of the local simulator."
    )


@dataclass(frozen=True)
class PaperSettings:
    start_idr: int = setting(
        "PAPER_START_IDR",
        100_000_000,
        parsers.integer(1),
        "Rupiah a user's paper account starts with on first use (users in paper mode).",
    )


@dataclass(frozen=True)
class ActorSettings:
    system_base: str = setting(
        "ACTOR_SYSTEM_BASE",
        "multiprocTCPBase",
        parsers.choice("multiprocTCPBase", "simpleSystemBase"),
        "Thespian base; the queue and UDP bases lose or deadlock messages and are refused.",
    )
    bind_address: str = setting(
        "ACTOR_BIND_ADDRESS",
        "127.0.0.1",
        parsers.text,
        "Actor transport address; keep it on loopback or a private network.",
    )
    admin_port: int = setting(
        "ACTOR_ADMIN_PORT", 1900, parsers.integer(1, 65535), "Thespian admin port."
    )
    convention_address: str = setting(
        "ACTOR_CONVENTION_ADDRESS",
        "",
        parsers.text,
        "host:port of the convention leader to join; empty = this host leads.",
    )
    transport_secret: Secret = setting(
        "ACTOR_TRANSPORT_SECRET",
        Secret(""),
        parsers.secret,
        "Seals actor messages across hosts (>= 32 characters, required with a convention "
        "address); empty = a random key per start.",
    )
    user_idle_seconds: int = setting(
        "USER_ACTOR_IDLE_SECONDS",
        600,
        parsers.integer(5),
        "A user's actor leaves after this quiet time once its strategies only wait.",
    )
    strategy_max_restarts: int = setting(
        "STRATEGY_MAX_RESTARTS",
        5,
        parsers.integer(0, 100),
        "Restarts of a strategy that keeps raising within the window before it is marked failed.",
    )
    strategy_restart_window_seconds: int = setting(
        "STRATEGY_RESTART_WINDOW_SECONDS",
        300,
        parsers.integer(1),
        "The window in which a strategy's restarts are counted.",
    )
    timer_watch_seconds: int = setting(
        "TIMER_WATCH_SECONDS",
        30,
        parsers.integer(1, 3600),
        "Longest sleep of the Supervisor's watch for strategy timers and order checks due "
        "while their user's actor is not running.",
    )


@dataclass(frozen=True)
class DeadmanSettings:
    user_errors: int = setting(
        "DEADMAN_USER_ERRORS",
        5,
        parsers.integer(1),
        "Consecutive failed private calls that pause one user's strategies.",
    )
    global_errors: int = setting(
        "DEADMAN_GLOBAL_ERRORS",
        20,
        parsers.integer(2),
        "Failed private calls across users within the window that pause every strategy.",
    )
    window_seconds: int = setting(
        "DEADMAN_WINDOW_SECONDS",
        60,
        parsers.integer(1),
        "The window of the global count.",
    )


@dataclass(frozen=True)
class LoggingSettings:
    format: str = setting(
        "LOG_FORMAT",
        "auto",
        parsers.choice("auto", "json", "text"),
        "auto = readable text in demo, one JSON object per line otherwise.",
    )
    level: str = setting(
        "LOG_LEVEL",
        "INFO",
        parsers.choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "Lowest level written.",
    )


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path = setting(
        "DATA_DIR",
        Path("var"),
        parsers.path,
        "Local files: demo secret key, local nonce and token stores.",
    )


@dataclass(frozen=True)
class Settings:
    mode: str = setting(
        "BOT_MODE", "demo", parsers.choice(*MODES), "demo (offline), paper, or live trading."
    )
    telegram: TelegramSettings = TelegramSettings()
    chat: ChatSettings = ChatSettings()
    security: SecuritySettings = SecuritySettings()
    internal: InternalSettings = InternalSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    indodax: IndodaxSettings = IndodaxSettings()
    simulator: SimulatorSettings = SimulatorSettings()
    paper: PaperSettings = PaperSettings()
    actors: ActorSettings = ActorSettings()
    deadman: DeadmanSettings = DeadmanSettings()
    logging: LoggingSettings = LoggingSettings()
    storage: StorageSettings = StorageSettings()

    @property
    def chat_adapter(self) -> str:
        if self.chat.adapter != "auto":
            return self.chat.adapter
        return "telegram" if self.telegram.bot_token else "console"

    @property
    def log_format(self) -> str:
        if self.logging.format != "auto":
            return self.logging.format
        return "text" if self.mode == "demo" else "json"

    def secrets(self) -> list[Secret]:
        """Every secret value in these settings, for the log redactor."""
        return [value for _, value in iter_values(self) if isinstance(value, Secret)]


@dataclass(frozen=True)
class SettingSpec:
    """One leaf setting: its dotted key, environment name, parser, default and help."""

    key: str
    env: str
    parse: Parser
    default: Any
    doc: str


def specs(cls: type = Settings, prefix: str = "") -> list[SettingSpec]:
    found: list[SettingSpec] = []
    for field in dataclasses.fields(cls):
        key = f"{prefix}{field.name}"
        if "env" in field.metadata:
            meta = field.metadata
            found.append(SettingSpec(key, meta["env"], meta["parse"], field.default, meta["doc"]))
        else:
            found.extend(specs(type(field.default), f"{key}."))
    return found


def iter_values(settings: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every leaf as (dotted key, value), in declaration order."""
    pairs: list[tuple[str, Any]] = []
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        key = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value):
            pairs.extend(iter_values(value, f"{key}."))
        else:
            pairs.append((key, value))
    return pairs
