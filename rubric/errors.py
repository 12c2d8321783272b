"""The one error type that reaches the user as a single line and exit code 2."""


class InputError(ValueError):
    """Bad input from the user (answers, files, options). The message is one line that names
    the field or file and says what is expected; the CLI prints it and exits with code 2."""
