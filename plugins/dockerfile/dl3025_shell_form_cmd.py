"""## What it does
Flags `CMD` and `ENTRYPOINT` in shell form (not a JSON array). One that starts with `[` but
is not a valid JSON array of strings (`CMD ["app", "--flag"` or `CMD ['app']`) is reported
as malformed: the builder silently runs it in shell form.

## Why is this bad?
The shell form runs the program under `/bin/sh -c`: the shell is PID 1, so
`docker stop` sends SIGTERM to the shell, not to your program, which is killed
after the timeout. `ENTRYPOINT` in shell form also ignores `CMD` and run arguments.

## Example
```dockerfile
FROM python:3.12-slim
CMD python -m app
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["python", "-m", "app"]
```

## Fix
`imagepolicy fix` rewrites the instruction in exec form, only when the command
uses no shell feature: plain words and quoted strings, no `$` or backquote
(variables are expanded by the shell, not in exec form), no operators (`&&`, `|`,
`;`, redirections), globs, `~`, comments or backslashes, no variable assignment
before it, and no shell builtin (`cd`, `export`, `set`...); a leading `exec` is
dropped (exec form does what it asked for). The `SHELL` in force must be a
POSIX shell, and the instruction must hold no comment lines. A malformed JSON
array gets no fix.

Safe for `CMD` unless an `ENTRYPOINT` may be in force: one of the stage (or of a
stage it is built `FROM`), or one the base image sets, which the Dockerfile cannot
show (`postgres`, `node`, `nginx` and many others have one). That ENTRYPOINT then
gets the words as its arguments instead of `/bin/sh -c "..."` (an entrypoint
script that skipped its set-up for `/bin/sh` runs it now), so the fix is unsafe
there (applied with `--unsafe`). Only `scratch` and Docker Hub's `python`,
`debian`, `ubuntu`, `alpine`, `busybox`, `golang`, `rust`, `ruby`, `fedora`,
`almalinux`, `rockylinux` and `amazonlinux` images are known to set none.
Safe for `ENTRYPOINT` unless a `CMD` of the stage (or of a stage built `FROM` it)
is set: exec form appends CMD to the ENTRYPOINT's arguments, which the shell
form ignored, so the fix is unsafe there. Arguments given to `docker run` reach
the program after the fix, as ENTRYPOINT intends.

## Differences from hadolint
- `HEALTHCHECK CMD` in shell form is fine (hadolint flags it under DL3025): the check is a
  short-lived process, not PID 1, and often needs the shell for `||`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3025
"""

from __future__ import annotations

import json
import posixpath
import re

from imagepolicy.model import Edit, Fix, Violation, rule
from imagepolicy.shellcmd import SHELLS, parse_script

from ._images import parse_image_ref

# Commands that exist only inside a shell: without /bin/sh -c they are "not found".
_BUILTINS = frozenset(
    "cd set export source . exit ulimit umask trap eval alias unset shift return read local declare typeset readonly "
    "let wait jobs fg bg command builtin type hash times getopts : if then else elif fi for while until do done case "
    "esac function select time { } ! [[ ]] ((".split()
)
#: Docker Hub official images that set no ENTRYPOINT (their CMD is a shell or an interpreter).
_NO_ENTRYPOINT = frozenset({"python", "debian", "ubuntu", "alpine", "busybox", "golang", "rust", "ruby", "fedora",
                            "almalinux", "rockylinux", "amazonlinux"})
_SPECIAL_OUTSIDE_QUOTES = set("$`;&|<>(){}*?[]~#!\\")
_SPECIAL_IN_DOUBLE_QUOTES = set("$`\\!")


@rule("DL3025", "shell-form-cmd", "warning", "dockerfile", "CMD/ENTRYPOINT in shell form instead of JSON",
      autofix="sometimes")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword not in ("CMD", "ENTRYPOINT") or instr.json_args is not None or not instr.args.strip():
            continue
        args = instr.args.strip()
        if args.startswith("["):
            yield _malformed_json(instr.keyword, args, instr.line)
            continue
        words = plain_words(args)
        if words is not None:
            fix = f"Use the JSON (exec) form: {instr.keyword} {json.dumps(words, ensure_ascii=False)}"
        else:  # its words as a JSON array would mean something else ("&&" as an argument, $PORT unexpanded)
            fix = (f"Use the JSON (exec) form; this command needs a shell (variables, operators, redirections or "
                   f"builtins), so put it in a script that ends with `exec` of the program and run that: "
                   f'{instr.keyword} ["/usr/local/bin/start.sh"]')
        yield Violation(
            f"{instr.keyword} {args} is in shell form: /bin/sh becomes PID 1 and swallows signals",
            line=instr.line,
            fix=fix,
            autofix=_exec_form_fix(dockerfile, instr),
        )


def plain_words(args: str) -> list[str] | None:
    """The words of a shell command that uses no shell feature (see the docs' Fix section), or None."""
    quote = ""
    for char in args:
        if quote == "'":
            quote = "" if char == "'" else quote
        elif quote == '"':
            if char in _SPECIAL_IN_DOUBLE_QUOTES:
                return None
            quote = "" if char == '"' else quote
        elif char in "'\"":
            quote = char
        elif char in _SPECIAL_OUTSIDE_QUOTES or char == "\n":
            return None
    if quote:
        return None
    script = parse_script(args)
    if len(script.commands) != 1 or script.pipes:
        return None
    (command,) = script.commands
    words = list(command.words)
    if not words or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        return None  # FOO=1 app: an assignment only the shell makes
    if words[0] == "exec":
        words = words[1:]
    if not words or words[0] in _BUILTINS or words[0].startswith("-"):
        return None
    return words


def _exec_form_fix(dockerfile, instr) -> Fix | None:
    if posixpath.basename(instr.shell[0]).lower() not in SHELLS or instr.flags:
        return None
    lines = instr.original.split("\n")
    if any(not line.strip() or line.lstrip().startswith("#") for line in lines[1:]):
        return None  # comment or blank lines inside the instruction would be lost
    words = plain_words(instr.args.strip())
    m = re.match(r"^\s*(?:CMD|ENTRYPOINT)\s+", lines[0], re.I)
    if words is None or m is None:
        return None
    end_column = len(lines[-1].rstrip()) + 1
    edit = Edit(instr.line, m.end() + 1, instr.end_line, end_column, json.dumps(words, ensure_ascii=False))
    title = f"write {instr.keyword} in exec form"
    conflict = _conflict(dockerfile, instr)
    if conflict is None:
        return Fix((edit,), title)
    return Fix((edit,), title, safe=False, unsafe_because=conflict)


def _conflict(dockerfile, instr) -> str | None:
    """Why exec form would hand the command to another instruction (see the docs' Fix section), or None."""
    stage = instr.stage
    if stage is None:
        return None
    if instr.keyword == "CMD":
        for st in stage.lineage():
            for other in st.instructions:
                if other.keyword == "ENTRYPOINT":
                    return f"the ENTRYPOINT at line {other.line} would get these words as its arguments"
        root = stage.lineage()[-1]
        if not root.base_known or not _sets_no_entrypoint(root.base):
            return (f"the base image {root.base_raw} may set an ENTRYPOINT (the Dockerfile cannot show it), "
                    "which would get these words as its arguments")
        return None
    for other in dockerfile.instructions:
        if other.keyword == "CMD" and other.stage is not None and any(s is stage for s in other.stage.lineage()):
            return f"the CMD at line {other.line} would become arguments of this ENTRYPOINT"
    return None


def _sets_no_entrypoint(image: str) -> bool:
    """True for ``scratch`` and the Docker Hub images known to set no ENTRYPOINT (see the docs' Fix section)."""
    if image.lower() == "scratch":
        return True
    ref = parse_image_ref(image)
    path = ref.path.lower().removeprefix("library/")
    return ref.hub and path in _NO_ENTRYPOINT


def _malformed_json(keyword: str, args: str, line: int) -> Violation:
    """The finding for a CMD/ENTRYPOINT that starts like a JSON array but is not one (the builder runs it in shell form)."""
    try:
        json.loads(args)
        problem = "valid JSON, but not every item is a string"
    except json.JSONDecodeError as exc:
        problem = "malformed JSON: " + (f"{exc.msg.lower()} after {args[:exc.pos]}" if exc.pos else exc.msg.lower())
    return Violation(
        f"{keyword} {args} looks like the JSON (exec) form but is not a JSON array of strings ({problem}), "
        "so it runs in shell form: /bin/sh becomes PID 1 and swallows signals",
        line=line,
        fix=f'Fix the JSON array: double-quoted strings, commas between them, closed with ], e.g. {keyword} ["app", "--flag"]',
    )
