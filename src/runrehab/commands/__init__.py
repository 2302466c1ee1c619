"""The Typer layer: each command parses its options, makes one call, renders the result, exits with
the contract's code."""
