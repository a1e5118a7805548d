"""The one exception type for problems a user can cause and fix."""


class MinimaxlabError(Exception):
    """A user-facing error: the message says what was wrong and what to do.

    The command line prints it on one line, without a traceback, and exits with status 2.
    """
