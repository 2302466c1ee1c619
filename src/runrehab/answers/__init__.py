"""Answers for a triage or a check-in from a file, stdin or -a pairs, completed and checked."""
