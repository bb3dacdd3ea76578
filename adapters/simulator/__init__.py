"""A local Indodax: HTTP and WebSocket servers speaking the real wire formats,
with a matching engine."""
