"""The triage rules compiled to a decision table for JSON Lines batches, kept as a cache entry.
Only the triage command's batch path imports it; the engine stays the reference."""
