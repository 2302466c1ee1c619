"""runrehab: turns a runner's symptoms into a safe, concrete exercise plan."""

__version__ = "0.1.0"


def version_line() -> str:
    return f"runrehab {__version__}"
