"""The SQLite history, stored documents read back, and plans over time (where a plan stands after
its check-ins, what is due today)."""
