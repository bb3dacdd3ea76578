"""Frozen, picklable dataclasses: the only thing actors share. Imports nothing of the project."""
