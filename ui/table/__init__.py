"""The conversations table: a lazy model over row keys, its columns, delegates and view."""
