"""The number the `unrenderable_number` fixture makes the formatter overflow on."""

UNRENDERABLE = "1e999999999"
