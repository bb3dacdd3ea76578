"""The chart maker: the one actor that draws (matplotlib lives in its process only)."""
