"""The engine's error hierarchy: every error a user can cause is a NewsdeskError."""


class NewsdeskError(Exception):
    """Base class: the message is one line fit to show a user."""


class ConfigError(NewsdeskError):
    """The configuration file or environment is invalid."""


class InputError(NewsdeskError):
    """An input file or question cannot be read or used."""


class StoreError(NewsdeskError):
    """The index directory is unusable (wrong model, unreadable files)."""
