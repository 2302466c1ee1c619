"""Bytes kept in the user's cache folder by key, and the layout of an entry read a part at a time.
Imports nothing of runrehab but its errors."""
