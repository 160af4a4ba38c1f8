"""What BuildKit's build checks (the ``bkNNN_*`` rules) share.

Not a rule module (its name does not match the package's ``bk\\d{3}_*``
pattern): small readers over the model that several checks need, each
following BuildKit's own definition (``frontend/dockerfile/parser``,
``instructions/parse.go``, ``dockerfile2llb/validations.go``).
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from imagepolicy.dockerfile import AUTOMATIC_ARGS, Dockerfile, Instruction, process_word, raw_assignments

BUILDKIT_DOCS = "https://docs.docker.com/go/dockerfile/rule/"
# Every check of BuildKit's linter (frontend/dockerfile/linter/ruleset.go). All but
# InvalidBaseImagePlatform (it needs the pulled base image) are an alias of one rule.
BUILDKIT_CHECK_NAMES = frozenset(
    "StageNameCasing FromAsCasing NoEmptyContinuation ConsistentInstructionCasing DuplicateStageName "
    "ReservedStageName JSONArgsRecommended MaintainerDeprecated UndefinedArgInFrom WorkdirRelativePath "
    "UndefinedVar MultipleInstructionsDisallowed LegacyKeyValueFormat InvalidBaseImagePlatform "
    "RedundantTargetPlatform SecretsUsedInArgOrEnv InvalidDefaultArgInFrom FromPlatformFlagConstDisallowed "
    "CopyIgnoredFile InvalidDefinitionDescription ExposeProtoCasing ExposeInvalidFormat".split()
)
# A pattern, compiled by re on first use: only the checks that count parser directives read it.
_DIRECTIVE = r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$"
_KEYWORD = re.compile(r"\s*([A-Za-z]+)")


def check_options(dockerfile: Dockerfile) -> dict[str, list[str]]:
    """The ``# check=skip=A,B;error=true;experimental=C`` directive as lists of values."""
    out: dict[str, list[str]] = {}
    for part in (dockerfile.directives.get("check") or "").split(";"):
        key, _, val = part.partition("=")
        if key.strip():
            out[key.strip().lower()] = [v.strip() for v in val.split(",") if v.strip()]
    return out


def experimental_enabled(dockerfile: Dockerfile, config, code: str, name: str) -> bool:
    """An experimental BuildKit check runs when ``# check=experimental=<name>|all`` asks
    for it, or when the config's ``rules`` table names the rule (as BuildKit keeps them
    off by default)."""
    wanted = check_options(dockerfile).get("experimental", [])
    if "all" in wanted or name in wanted:
        return True
    data = getattr(config, "data", None) or {}
    return code in (data.get("rules") or {})


def raw_keyword(instr: Instruction) -> str:
    """The instruction keyword as written (``From``, ``copy``), BuildKit's ``node.Value``."""
    m = _KEYWORD.match(instr.original)
    return m.group(1) if m else instr.keyword


def own_end_line(instr: Instruction) -> int:
    """The last line of the instruction itself (continuations), before any here-document body."""
    return instr.heredocs[0].line - 1 if instr.heredocs else instr.end_line


def empty_continuation(instr: Instruction) -> bool:
    """True when a blank line sits inside the instruction's continuation lines."""
    lines = instr.original.split("\n")[: own_end_line(instr) - instr.line + 1]
    return any(not line.strip() for line in lines[1:])


def directive_lines(dockerfile: Dockerfile) -> int:
    """How many lines at the top are parser directives (``syntax``, ``escape``, ``check``)."""
    count = 0
    for line in dockerfile.lines:
        m = re.match(_DIRECTIVE, line.lstrip())
        if not m or m.group(1).lower() not in ("syntax", "escape", "check"):
            break
        count += 1
    return count


def comments_before(dockerfile: Dockerfile, instr: Instruction) -> list[str]:
    """The comment block right above ``instr`` (text after ``#``), as BuildKit's ``PrevComment``.

    The block ends (upwards) at a blank line, at an empty ``#`` line, at another
    instruction or at the parser directives; imagepolicy/hadolint pragmas are
    not descriptions and are left out.
    """
    lines = dockerfile.lines
    first_allowed = directive_lines(dockerfile)
    block: list[str] = []
    index = instr.line - 2
    while index >= first_allowed:
        text = lines[index].strip()
        if not text.startswith("#"):
            break
        comment = text[1:].strip()
        if not comment:
            break
        block.append(comment)
        index -= 1
    block.reverse()
    return [c for c in block if not re.match(r"^(imagepolicy|hadolint)\s", c, re.I)]


def assignments(instr: Instruction, escape: str = "\\") -> tuple[list[tuple[str, str | None]], bool]:
    """``(key, raw value)`` pairs of an ENV/ARG/LABEL and whether it uses the legacy ``K V`` form."""
    return raw_assignments(instr, escape)


def escape_of(dockerfile: Dockerfile) -> str:
    return dockerfile.directives.get("escape", "\\")


def global_arg_instructions(dockerfile: Dockerfile) -> Iterator[Instruction]:
    """The ARG instructions before the first FROM."""
    for instr in dockerfile.instructions:
        if instr.keyword == "FROM":
            return
        if instr.keyword == "ARG":
            yield instr


def default_global_args(dockerfile: Dockerfile) -> dict[str, str]:
    """Global ARG values from their defaults only (no ``--build-arg``), automatic ARGs included."""
    scope = dict(AUTOMATIC_ARGS)
    esc = escape_of(dockerfile)
    for instr in global_arg_instructions(dockerfile):
        for key, default in assignments(instr, esc)[0]:
            if default is None:
                continue  # declared without a value: unset (an automatic ARG keeps its value)
            try:
                scope[key] = process_word(default, scope, escape=esc)
            except ValueError:
                scope[key] = default
    return scope


def levenshtein(a: str, b: str) -> int:
    """Edit distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(name: str, options: Iterable[str]) -> str | None:
    """The closest option (edit distance below 3), as BuildKit's ``suggest.Search``."""
    best, best_distance = None, 3
    for option in sorted(set(options)):
        if option == name:
            return None
        distance = levenshtein(name, option)
        if distance < best_distance:
            best, best_distance = option, distance
    return best


def did_you_mean(name: str, options: Iterable[str], prefix: str = "") -> str:
    match = suggest(name, options)
    return f" (did you mean {prefix}{match}?)" if match else ""


def shell_set_before(instr: Instruction) -> bool:
    """True when a SHELL instruction of this stage or a parent stage runs before ``instr``."""
    stage = instr.stage
    if stage is None:
        return False
    for st in stage.lineage():
        for other in st.instructions:
            if st is stage and other.index >= instr.index:
                break
            if other.keyword == "SHELL":
                return True
    return False


def expose_ports(dockerfile: Dockerfile) -> Iterator[tuple[Instruction, str]]:
    """Every port word of the stages' EXPOSE instructions, variables expanded."""
    from imagepolicy.dockerfile import process_words

    escape = escape_of(dockerfile)
    for instr in dockerfile.instructions:
        if instr.keyword != "EXPOSE" or instr.stage is None:
            continue
        try:
            words = process_words(instr.args, instr.variables, escape=escape)
        except ValueError:
            continue
        for word in words:
            yield instr, word
