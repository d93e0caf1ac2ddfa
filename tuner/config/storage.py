"""search.storage: the Optuna storage that coordinates a search without a chief
(tuner.engine.study). Any number of `tuner search` processes with the same config and storage,
on any machine, join one study there.

    storage: sqlite:///runs/study.db            # one machine
    storage: postgresql://tuner@db.lan/tuning   # many machines (password: PGPASSWORD, ~/.pgpass)
    storage: journal:/shared/tuning.journal     # a shared file system, no server
    storage: local                              # journal:runs/<name>/study.journal
    storage: {url: ..., heartbeat_seconds: 10, grace_seconds: 60}

A URL holding a password is refused: the config is copied into runs/<name>/ and shown by the
report. Drivers read the password from their own places (libpq: PGPASSWORD or ~/.pgpass;
MySQL: a ?read_default_file= option file).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

TOOLKIT_ERROR = "toolkit"  # a validator's error whose message is the whole line
LOCAL = "local"
JOURNAL = "journal:"
DATABASES = ("sqlite", "postgresql", "mysql")  # SQLAlchemy dialects, "+driver" allowed
ALGORITHMS = ("tpe", "random", "grid")  # those a shared study can drive (see the README)
FORMS = "sqlite:///FILE, postgresql://USER@HOST/DB, mysql://USER@HOST/DB, journal:FILE or local"
_DATABASE_URL = re.compile(r"(?P<dialect>[a-z]+)(\+[a-z0-9_]+)?://(?P<rest>.*)", re.DOTALL)


class StorageSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    # How often a process running a trial says it is alive, and how long a silent one's trial
    # waits before another process marks it failed and queues it again (Optuna's heartbeat).
    heartbeat_seconds: int = Field(default=10, ge=1, le=3600)
    grace_seconds: int = Field(default=60, ge=2, le=86400)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise PydanticCustomError(TOOLKIT_ERROR, problem)
        return value

    @model_validator(mode="after")
    def _grace_after_heartbeat(self) -> StorageSection:
        if self.grace_seconds <= self.heartbeat_seconds:
            raise PydanticCustomError(
                TOOLKIT_ERROR,
                f"grace_seconds ({self.grace_seconds}) must be longer than heartbeat_seconds "
                f"({self.heartbeat_seconds}), or every running trial looks dead; try "
                f"{6 * self.heartbeat_seconds}",
            )
        return self

    @property
    def is_local(self) -> bool:
        return self.url == LOCAL


def from_text(value: Any) -> Any:
    """search.storage as written: a URL alone stands for {url: URL}."""
    return {"url": value} if isinstance(value, str) else value


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a storage this toolkit can use, in words; None when it is."""
    if url == LOCAL:
        return None
    if url.startswith(JOURNAL):
        return None if url[len(JOURNAL) :].strip() else f"journal: needs a file path ({FORMS})"
    match = _DATABASE_URL.fullmatch(url)
    if match is None or match["dialect"] not in DATABASES:
        return f"expected one of {FORMS}; got {url!r}"
    user_part = match["rest"].split("/", 1)[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    in_query = any(key.lower() in ("password", "passwd") for key in query)
    if in_query or ("@" in user_part and ":" in user_part.rsplit("@", 1)[0]):
        return (
            "the URL holds a password, and the config is copied into the run folder and its "
            "report; leave it out and let the driver find it (PostgreSQL: PGPASSWORD or "
            "~/.pgpass; MySQL: ?read_default_file=~/.my.cnf)"
        )
    return None


STORAGE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "null"},
        {"type": "string", "description": FORMS},
        {
            "type": "object",
            "properties": {
                "url": {"type": "string", "description": FORMS},
                "heartbeat_seconds": {"type": "integer", "minimum": 1, "maximum": 3600},
                "grace_seconds": {"type": "integer", "minimum": 2, "maximum": 86400},
            },
            "required": ["url"],
            "additionalProperties": False,
        },
    ]
}


def without_password(url: str) -> str:
    """``url`` as a message may show it: a password (user:PASSWORD@, or ?password=) masked."""
    shown = re.sub(r"(://[^/@:]*):[^/@]*@", r"\1:***@", url)
    return re.sub(r"(?i)([?&](?:password|passwd)=)[^&]*", r"\1***", shown)
