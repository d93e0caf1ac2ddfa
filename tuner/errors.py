"""The toolkit's own exception types. Only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class TunerError(Exception):
    """Anything the toolkit reports to the user without a traceback (exit 1)."""


class UserInputError(TunerError):
    """Bad input the user can fix: a config, a data file, an argument (exit 2).

    Rendered as ``FILE:LINE: key.path: problem; what to do`` with the parts that are known.
    """

    def __init__(
        self, problem: str, *, file: str | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        self.key = key
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.problem}"


class ConfigError(UserInputError):
    """A config file that does not follow the YAML format."""


class DataError(UserInputError):
    """A dataset or data file that cannot be used as asked."""


class InputRangeWarning(UserWarning):
    """Inputs given to a trained model lie far from the range it was trained on."""


class AlreadySaid(TunerError):
    """A process this one started (search.isolate's trial process) stopped and has said why on
    stderr: the command line exits with its code and says nothing more."""

    def __init__(self, problem: str, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(problem)
