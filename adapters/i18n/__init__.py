"""Every user-facing text, in Bahasa Indonesia (default) and English, rendered from the
message keys and parameters the actors send."""
