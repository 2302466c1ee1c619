"""The rule base as authored: YAML with FILE:LINE:COL, its pydantic models, the condition language,
cross-checks, loading and caching, and the look-ups (rules/kb.py)."""
