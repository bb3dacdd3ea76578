"""The Telegram chat adapter: Bot API polling or webhook, and its internal HTTP endpoint."""
