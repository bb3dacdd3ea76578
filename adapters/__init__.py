"""Adapters: see README.md's architecture; built in the next issues."""
