"""The system-wide actors: Supervisor, price feed, trigger book, Notifier, dead-man switch."""
