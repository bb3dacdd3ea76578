"""The strategies a user runs, as child actors of that user's actor."""
