"""The interactive loops at a real terminal: the interview, and the guided session with its
countdowns."""
