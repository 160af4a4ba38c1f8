"""Path globs as Docker's tools read them, shared by ``.dockerignore`` and the config's ``ignore``.

``*``, ``?`` and ``[...]`` stay within one path segment, ``**`` spans any number
of segments (``**/`` also matches none), ``[!a]``/``[^a]`` negate, and ``\\``
escapes the next character, as BuildKit's ``patternmatcher`` does.
``.gitignore`` globs differ (``**`` counts only as a whole segment) and have
their own translator in :mod:`imagepolicy.discovery`.
"""

from __future__ import annotations

import re


def glob_to_regex(pattern: str) -> str:
    """The regex body (unanchored) matching what ``pattern`` matches."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith("^") or body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
