"""Charts for the chat as PNG bytes, drawn from plain data on matplotlib's Agg canvas.

Each render builds its own Figure and canvas and never touches pyplot, whose current
figure and global state would let two renders in threads meet, and would keep every
figure alive until closed.
"""
