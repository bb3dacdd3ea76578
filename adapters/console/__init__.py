"""The chat in a terminal: the offline demo, and a scriptable driver for tests."""
