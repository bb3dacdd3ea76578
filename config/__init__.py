"""Settings: settings.yaml, then .env, then the environment, validated once at start."""

from config.errors import ConfigError, Problem, StartupError
from config.loader import Loaded, load, load_settings
from config.schema import Settings
from config.secret import Secret, SecretUrl

__all__ = [
    "ConfigError",
    "Loaded",
    "Problem",
    "Secret",
    "SecretUrl",
    "Settings",
    "StartupError",
    "load",
    "load_settings",
]
