"""Read /etc/passwd, /etc/group and /etc/shadow from an image, with line numbers.

Not a rule module (leading underscore). Malformed lines are kept out of the
result (the rules that need them report nothing about lines they cannot parse).
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWD = "/etc/passwd"
GROUP = "/etc/group"
SHADOW = "/etc/shadow"


@dataclass(frozen=True)
class Account:
    """One line of a colon-separated account file (passwd, group or shadow)."""

    name: str
    password: str
    id: int | None  # uid (passwd), gid (group); None for shadow
    gid: int | None  # primary gid (passwd only)
    home: str
    line: int


def _parse_int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def parse_accounts(text: str, kind: str) -> list[Account]:
    """Parse a passwd/group/shadow file; ``kind`` is ``"passwd"``, ``"group"`` or ``"shadow"``."""
    accounts = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line[0] in "+-":  # NIS compat lines
            continue
        fields = line.split(":")
        minimum = {"passwd": 7, "group": 3, "shadow": 2}[kind]
        if len(fields) < minimum or not fields[0]:
            continue
        if kind == "passwd":
            accounts.append(Account(fields[0], fields[1], _parse_int(fields[2]), _parse_int(fields[3]), fields[5], number))
        elif kind == "group":
            accounts.append(Account(fields[0], fields[1], _parse_int(fields[2]), None, "", number))
        else:
            accounts.append(Account(fields[0], fields[1], None, None, "", number))
    return accounts


def read_account_files(image, kinds: tuple[str, ...] = ("passwd", "group", "shadow")) -> dict[str, list[Account]]:
    """The parsed account files of ``image`` (one batched read); missing files give []."""
    paths = {"passwd": PASSWD, "group": GROUP, "shadow": SHADOW}
    contents = image.read_many([paths[k] for k in kinds], max_bytes=4 * 1024 * 1024)
    return {k: parse_accounts(contents[paths[k]].decode("utf-8", "replace"), k) if paths[k] in contents else [] for k in kinds}


def split_user(spec: str) -> tuple[str, str]:
    """``"app:staff"`` -> ``("app", "staff")``; the group part may be empty."""
    user, _, group = spec.partition(":")
    return user.strip(), group.strip()


def resolve_uid(user: str, passwd: list[Account]) -> int | None:
    """The UID ``user`` (a name or a number) stands for; None when the name is unknown."""
    if user.isdigit():
        return int(user)
    for account in passwd:
        if account.name == user:
            return account.id
    return None
