"""Errors a user can cause and fix; the CLI prints them without a traceback."""


class NaovizError(Exception):
    """Base class for user-facing errors (bad input, missing data, bad checkpoint)."""


class DataMissingError(NaovizError, FileNotFoundError):
    """A benchmark table is not in the data directory."""


class CheckpointError(NaovizError, ValueError):
    """A checkpoint is corrupt or does not match the model it is loaded into."""
