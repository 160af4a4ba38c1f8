"""``check --new-from-rev REF``: the lines a change added or modified, read from git.

The change is what ``HEAD`` holds beyond the merge base of ``REF`` and ``HEAD``
(``git merge-base REF HEAD``), as ``git diff -M -U0 BASE HEAD`` shows it:
committed history only, so the working tree, the index and their filters are
never read. A finding is on the change when a line of its instruction (``line``
to ``end_line``) was added or modified, or lines inside it were deleted; an
image finding when the layer it comes from maps to such a line. With
``--new-from-rev-files`` every finding of a file the change touched counts.
A renamed file counts only for the lines that changed in it. A Dockerfile read
from standard input (``check -``) has no history: every finding of it counts.

The clone must hold the merge base: a shallow clone that does not is an input
error (exit 2) naming the fix (``git fetch --deepen=N``, ``fetch-depth: 0``).

git runs on repository data a pull request controls, so it runs safely: the
executable is found on the invoker's absolute ``PATH`` entries only (never in
the checkout), with a fixed environment (no inherited ``GIT_*`` variables, no
system config, no pager, no prompt, no lazy fetch, no optional locks), with
``core.fsmonitor``, external diff drivers and textconv switched off, as an
argument list (never through a shell), and with ``--end-of-options`` before
the user's ref.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from .fingerprint import resolve
from .model import InputError, Report, Suppressed

GIT_TIMEOUT = 300  # seconds for one git command

# Overrides that keep repository config from running commands (see the module docstring).
SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "diff.external=",
    "-c", "core.pager=cat",
    "-c", "core.quotePath=true",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
)

_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_QUOTED = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}

DEPTH_HINT = (
    "the clone must hold the merge base of HEAD and the base branch: fetch more history "
    "(`git fetch --deepen=100`, or `git fetch --unshallow`), or clone deeper (GitHub: actions/checkout with "
    "`fetch-depth: 0`; GitLab: `GIT_DEPTH: 0` or more than the merge request's commits)"
)


class GitError(InputError):
    """git could not answer (not a repository, unknown ref, missing history): exit 2."""


@dataclass
class FileChange:
    """What the change did to one file (its path after the change)."""

    added: list[tuple[int, int]] = field(default_factory=list)  # inclusive line ranges added or modified
    deleted_after: list[int] = field(default_factory=list)  # lines were deleted right after this new line
    new: bool = False  # the file did not exist at the base

    def touches(self, line: int | None, end_line: int | None) -> bool:
        """Does the change touch lines ``line``..``end_line``? A finding without a line: only in a new file."""
        if line is None:
            return self.new
        end = end_line if end_line is not None and end_line >= line else line
        if any(start <= end and line <= stop for start, stop in self.added):
            return True
        return any(line <= point < end for point in self.deleted_after)

    @property
    def changed(self) -> bool:
        return self.new or bool(self.added or self.deleted_after)


@dataclass
class Change:
    """The change ``check --new-from-rev`` compares with: files by real path."""

    rev: str
    base: str
    files: dict[str, FileChange]

    def describe(self) -> str:
        return f"{self.rev} (merge base {self.base[:12]})"


# --- running git --------------------------------------------------------------------------------


def _git_executable(cwd: str) -> str:
    """``git`` from the invoker's absolute PATH entries, never a program inside the checkout."""
    entries = [entry for entry in os.environ.get("PATH", os.defpath).split(os.pathsep) if os.path.isabs(entry)]
    found = shutil.which("git", path=os.pathsep.join(entries))
    if found is None:
        raise GitError("--new-from-rev needs git, and no git is on PATH; install git or drop --new-from-rev")
    real = os.path.realpath(found)
    if real == cwd or real.startswith(cwd.rstrip(os.sep) + os.sep):
        raise GitError(f"--new-from-rev: the git found on PATH ({found}) lies inside the checked folder; "
                       "put the system's git first on PATH")
    return found


def _environment() -> dict[str, str]:
    """A fixed environment: nothing of the invoker's GIT_* variables, no system config, no pager or prompt."""
    env = {
        "PATH": os.defpath,
        "LC_ALL": "C",
        "LANG": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
    }
    # The invoker's own (global) config may mark the checkout safe (safe.directory); it is not repository data.
    for name in ("HOME", "XDG_CONFIG_HOME"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


class _Git:
    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.executable = _git_executable(cwd)
        self.env = _environment()

    def argv(self, *args: str) -> list[str]:
        return [self.executable, *SAFE_CONFIG, *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(self.argv(*args), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, errors="surrogateescape", timeout=GIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise GitError(f"--new-from-rev: `git {args[0]}` did not finish in {GIT_TIMEOUT} s") from None
        except OSError as exc:
            raise GitError(f"--new-from-rev: cannot run git: {exc.strerror or exc}") from None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def changed_lines(rev: str, cwd: str | None = None) -> Change:
    """The change ``HEAD`` makes since its merge base with ``rev`` (see the module docstring)."""
    if not rev or not rev.strip():
        raise GitError("--new-from-rev: the ref is empty; give a branch, tag or commit (e.g. origin/main)")
    here = os.path.realpath(cwd or os.getcwd())
    git = _Git(here)
    top = git.run("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitError(f"--new-from-rev {rev}: {here} is not inside a git work tree ({_first_line(top.stderr)})")
    toplevel = os.path.realpath(top.stdout.strip())
    shallow = git.run("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    head = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head.returncode != 0:
        raise GitError(f"--new-from-rev {rev}: HEAD names no commit in {toplevel}; commit the change first")
    found = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if found.returncode != 0:
        why = "not in this shallow clone" if shallow else "no branch, tag or commit of that name in this clone"
        depth = f"; {DEPTH_HINT}" if shallow else ""
        raise GitError(f"--new-from-rev {rev}: {why}; fetch it first ({_fetch_hint(git, rev)}){depth}")
    target = found.stdout.strip()
    merge = git.run("merge-base", target, head.stdout.strip())
    if merge.returncode != 0 or not merge.stdout.strip():
        if shallow:
            raise GitError(f"--new-from-rev {rev}: no merge base of HEAD and {rev} in this shallow clone; {DEPTH_HINT}")
        raise GitError(f"--new-from-rev {rev}: HEAD and {rev} share no history (no merge base); "
                       "give the branch this change is merged into")
    base = merge.stdout.strip()
    files = _diff(git, base, head.stdout.strip(), toplevel)
    return Change(rev=rev, base=base, files=files)


def _fetch_hint(git: _Git, rev: str) -> str:
    """How to fetch ``rev``: a remote-tracking branch needs an explicit refspec in a single-branch (shallow) clone."""
    remotes = git.run("remote").stdout.split()
    for remote in remotes:
        if rev.startswith(remote + "/") and len(rev) > len(remote) + 1:
            branch = rev[len(remote) + 1 :]
            return f"`git fetch {remote} +refs/heads/{branch}:refs/remotes/{remote}/{branch}`; in GitHub Actions " \
                   "actions/checkout with `fetch-depth: 0` fetches every branch"
    return f"`git fetch {remotes[0] if remotes else 'origin'} {rev}`"


def _unquote(path: str) -> str:
    """A path as git prints it: C-quoted in double quotes when it holds special characters."""
    if not (len(path) >= 2 and path.startswith('"') and path.endswith('"')):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.fullmatch(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.extend(_QUOTED.get(nxt, nxt).encode("utf-8", "surrogateescape"))
            i += 2
            continue
        out.extend(char.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _diff(git: _Git, base: str, head: str, toplevel: str) -> dict[str, FileChange]:
    """Parse ``git diff -U0 -M`` between two commits, streamed: changes by the file's real path after the change."""
    argv = git.argv("diff", "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative", "--ignore-submodules",
                    "-U0", "-M", "--src-prefix=a/", "--dst-prefix=b/", base, head, "--")
    files: dict[str, FileChange] = {}
    current: FileChange | None = None
    new_file = False
    remaining_old = remaining_new = 0
    try:
        proc = subprocess.Popen(argv, cwd=git.cwd, env=git.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="surrogateescape")
    except OSError as exc:
        raise GitError(f"--new-from-rev: cannot run git: {exc.strerror or exc}") from None
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if remaining_old or remaining_new:  # hunk body: -old and +new lines (and "\ No newline" notes)
                if line.startswith("-") and remaining_old:
                    remaining_old -= 1
                elif line.startswith("+") and remaining_new:
                    remaining_new -= 1
                continue
            if line.startswith("diff --git "):
                current, new_file = None, False
            elif line.startswith("--- "):
                new_file = line == "--- /dev/null"
            elif line.startswith("+++ "):
                name = line[4:]
                if name == "/dev/null":
                    current = None
                    continue
                name = _unquote(name)
                if name.startswith("b/"):
                    name = name[2:]
                current = files.setdefault(os.path.realpath(os.path.join(toplevel, name)), FileChange())
                current.new = new_file
            elif current is not None and (match := _HUNK_RE.match(line)):
                old_count = int(match[2]) if match[2] is not None else 1
                start = int(match[3])
                new_count = int(match[4]) if match[4] is not None else 1
                if new_count:
                    current.added.append((start, start + new_count - 1))
                else:
                    current.deleted_after.append(start)
                remaining_old, remaining_new = old_count, new_count
        stderr = proc.stderr.read() if proc.stderr else ""
        code = proc.wait(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise GitError(f"--new-from-rev: `git diff` did not finish in {GIT_TIMEOUT} s") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if code != 0:
        raise GitError(f"--new-from-rev: `git diff {base[:12]} HEAD` failed: {_first_line(stderr)}")
    return files


# --- applying -----------------------------------------------------------------------------------


def apply(report: Report, change: Change, whole_files: bool = False) -> None:
    """Set aside every finding of ``report`` that is not on the change (reason ``outside-change``)."""
    report.new_from_rev = change.describe()
    spans = {os.path.realpath(r.target): r.instruction_spans for r in report.results if r.instruction_spans}
    for result in report.results:
        kept = []
        for finding in result.findings:
            _, file, line, end_line = resolve(finding, result.target, result.kind)
            touched = file == "-"  # standard input has no history: all of it is new, never hidden as unchanged
            if file is not None and file != "-":
                real = os.path.realpath(file)
                file_change = change.files.get(real)
                if file_change is not None and file_change.changed:
                    line, end_line = _widen(spans.get(real, ()), line, end_line)
                    touched = whole_files or file_change.touches(line, end_line)
            if touched:
                kept.append(finding)
            else:
                result.suppressed.append(Suppressed(finding, "outside-change"))
        result.findings = kept



def _widen(spans, line: int | None, end_line: int | None) -> tuple[int | None, int | None]:
    """``line``..``end_line`` grown to the whole instructions they fall in (rules report an instruction's first line)."""
    if line is None:
        return line, end_line
    end = end_line if end_line is not None and end_line >= line else line
    for first, last in spans:
        if first <= end and line <= last:
            line, end = min(line, first), max(end, last)
    return line, end
