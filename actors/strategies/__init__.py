"""The strategies a user runs: plain objects hosted inside that user's actor."""
