"""The Python entry of the command a container starts, and the imports it needs, read statically.

:func:`parse_entry` finds the Python entry in an ``ENTRYPOINT`` + ``CMD`` argv
(or a ``HEALTHCHECK`` test): ``python -m pkg``, ``python path/script.py``,
``python manage.py ...`` (Django: the ``DJANGO_SETTINGS_MODULE`` literal it
sets), servers given a ``pkg.mod:app`` target (gunicorn, uvicorn, hypercorn,
daphne, celery ``-A``, flask ``--app``/``FLASK_APP``, django-admin with
``DJANGO_SETTINGS_MODULE``), and other programs (console scripts, read as
scripts). Shell wrappers (``sh -c "exec ..."``, ``tini --``, ``dumb-init``,
``gosu user``, ``env``) are looked through.

:func:`import_graph` reads an entry module's imports with :mod:`ast` (never
executing anything) and follows the project's own modules transitively, each
import resolved by a caller-given ``find`` function over ``sys.path``.
Imports inside ``try`` blocks that handle ImportError, under ``if
TYPE_CHECKING`` and in ``if __name__ == ...`` blocks are *guarded*; imports in
function bodies are *deferred*.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import field
from typing import Callable, cast

from imagepolicy import limits
from imagepolicy.records import record

_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_WRAPPERS = {"exec", "tini", "dumb-init", "env", "nice", "nohup", "stdbuf", "time", "su-exec", "gosu", "chpst"}
_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}
#: Commands that end a shell-form list as its fallback or report, never as the program it runs.
_FALLBACKS = frozenset({"exit", "true", "false", ":", "echo", "printf", "return"})
# Servers that put their working directory (or --chdir/--app-dir) first on sys.path, and their option with a value.
SERVERS = {
    "gunicorn": {"-c", "--config", "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "--chdir", "-t", "--timeout",
                 "--threads", "--log-level", "--access-logfile", "--error-logfile", "-u", "--user", "-g", "--group",
                 "--pythonpath", "-e", "--env", "--max-requests", "--graceful-timeout", "--keep-alive", "--name", "-n"},
    "uvicorn": {"--host", "--port", "--app-dir", "--workers", "--log-level", "--root-path", "--env-file", "--uds", "--fd",
                "--loop", "--http", "--ws", "--lifespan", "--forwarded-allow-ips", "--log-config", "--timeout-keep-alive"},
    "hypercorn": {"-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--log-level", "--root-path"},
    "daphne": {"-b", "--bind", "-p", "--port", "-u", "--unix-socket", "-e", "--endpoint", "-v", "--verbosity", "--root-path"},
}


@record(frozen=True)
class Entry:
    """The Python entry of a command.

    ``kind``: ``module`` (``python -m``; ``name`` is the module), ``script``
    (``python path.py`` or a console script file; ``name`` is the path), or
    ``target`` (a server's ``pkg.mod:app``; ``name`` is the module).
    ``path0`` is sys.path[0] as the interpreter (or the server) sets it, None
    under ``-I``/``-P``/``PYTHONSAFEPATH``; ``settings`` is a Django settings
    module named in the command's environment.
    """

    kind: str
    name: str
    path0: str | None
    argv: tuple[str, ...]
    program: str  # what the argv runs: python3, gunicorn, ...
    settings: str | None = None
    flags: frozenset[str] = frozenset()


def command_words(argv: list[str], shell_form: bool = False) -> list[str]:
    """The words of the command the container really execs: shell wrappers and init shims removed."""
    from imagepolicy.shellcmd import split_commands

    words = list(argv)
    for _ in range(8):
        if not words:
            return words
        head = posixpath.basename(words[0])
        if head in _SHELLS and len(words) >= 3 and words[1] in ("-c", "-ec", "-ex", "-lc"):
            commands = [c for c in split_commands(words[2]) if c.argv]
            # A trailing fallback (`python probe.py || exit 1`, `... && echo ok`) is not the entry.
            while len(commands) > 1 and posixpath.basename(commands[-1].argv[0]) in _FALLBACKS:
                commands.pop()
            if not commands:
                return []
            words = list(commands[-1].argv)
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
            continue
        if head in _WRAPPERS:
            words.pop(0)
            while words and words[0].startswith("-"):
                flag = words.pop(0)
                if flag == "--":
                    break
            if head in ("gosu", "su-exec", "chpst") and words:
                words.pop(0)
            continue
        return words
    return words


def parse_entry(argv: list[str], cwd: str, env: dict[str, str], resolve_program: Callable[[str], str | None]) -> Entry | None:
    """The Python entry of ``argv`` run from ``cwd`` with ``env``; ``resolve_program`` finds a name on PATH (or None)."""
    words = command_words(argv)
    if not words:
        return None
    program = posixpath.basename(words[0])
    safe = bool(env.get("PYTHONSAFEPATH"))
    if _PYTHON.match(program):
        flags: set[str] = set()
        i = 1
        while i < len(words):
            arg = words[i]
            if arg == "-m" and i + 1 < len(words):
                module = words[i + 1]
                rest = words[i + 2:]
                path0 = None if safe or flags & {"I", "P"} else cwd
                server = posixpath.basename(module)
                if server in SERVERS or module in ("celery", "flask"):
                    found = _server_entry(module, rest, cwd, env, path0 is not None, words)
                    if found is not None:
                        return found
                return Entry("module", module, path0, tuple(words), program, env.get("DJANGO_SETTINGS_MODULE"), frozenset(flags))
            if arg in ("-c",) or arg.startswith("-c"):
                return None
            if arg in ("-W", "-X"):
                i += 2
                continue
            if arg.startswith("-") and arg != "-":
                flags.update(c for c in arg[1:] if c.isalpha())
                i += 1
                continue
            script = posixpath.normpath(posixpath.join(cwd, arg))
            path0 = None if safe or flags & {"I", "P"} else posixpath.dirname(script)
            return Entry("script", script, path0, tuple(words), program, env.get("DJANGO_SETTINGS_MODULE"), frozenset(flags))
        return None
    if program in SERVERS or program in ("celery", "flask", "django-admin"):
        found = _server_entry(program, words[1:], cwd, env, True, words)
        if found is not None:
            return found
    if program.endswith(".py") or program == "manage.py":
        found_script = posixpath.normpath(posixpath.join(cwd, words[0])) if "/" in words[0] else resolve_program(words[0])
        if found_script:
            return Entry("script", found_script, posixpath.dirname(found_script), tuple(words), program, env.get("DJANGO_SETTINGS_MODULE"))
        return None
    found_path = words[0] if words[0].startswith("/") else resolve_program(words[0])
    if found_path:
        return Entry("script", found_path, None if safe else posixpath.dirname(found_path), tuple(words), program,
                     env.get("DJANGO_SETTINGS_MODULE"))
    return None


def _server_entry(program: str, args: list[str], cwd: str, env: dict[str, str], on_path: bool, words: list[str]) -> Entry | None:
    """A server's application target: gunicorn/uvicorn/hypercorn/daphne TARGET, celery -A X, flask --app X, django-admin."""
    name = posixpath.basename(program)
    path0 = cwd
    target: str | None = None
    if name == "celery":
        target = _value(args, "-A", "--app")
    elif name == "flask":
        target = _value(args, "--app", "-A") or env.get("FLASK_APP")
    elif name == "django-admin":
        settings = _value(args, "--settings") or env.get("DJANGO_SETTINGS_MODULE")
        if not settings:
            return None
        # django-admin is a console script: sys.path[0] is its folder, not the working directory
        return Entry("target", settings, None, tuple(words), name, settings)
    else:
        options = SERVERS[name]
        chdir = _value(args, "--chdir", "--app-dir")
        if chdir:
            path0 = posixpath.normpath(posixpath.join(cwd, chdir))
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in options:
                i += 2
                continue
            if arg.startswith("-"):
                i += 1
                continue
            target = arg
            break
    if not target:
        return None
    module = target.split(":", 1)[0]
    module = re.sub(r"\(.*$", "", module).strip()
    if not re.match(r"^[A-Za-z_][\w.]*$", module):
        return None
    return Entry("target", module, path0, tuple(words), name, env.get("DJANGO_SETTINGS_MODULE"))


def _value(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


# --- imports ----------------------------------------------------------------------------------


@record(frozen=True)
class Import:
    """One import statement's module: ``module`` absolute (relative ones resolved), where it is and how guarded."""

    module: str
    file: str
    line: int
    guard: str | None = None  # "try" | "type-checking" | "main" | "function" | None
    level: int = 0
    names: tuple[str, ...] = ()
    problem: str | None = None  # a relative import with no parent package


def read_imports(source: str, file: str, package: str | None) -> tuple[list[Import], str | None]:
    """The imports of one module's source; ``package`` is its package (None for a top-level script).

    Returns (imports, problem): problem says why the source could not be read.
    """
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [], f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}"
    out: list[Import] = []
    stack: list[tuple[list[ast.stmt], str | None]] = [(list(tree.body), None)]
    while stack:
        body, guard = stack.pop()
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    out.append(Import(alias.name, file, node.lineno, guard))
            elif isinstance(node, ast.ImportFrom):
                names = tuple(a.name for a in node.names)
                if node.level:
                    base = _relative_base(package, node.level)
                    if base is None:
                        out.append(Import("." * node.level + (node.module or ""), file, node.lineno, guard, node.level, names,
                                          problem="attempted relative import with no known parent package"))
                        continue
                    module = f"{base}.{node.module}" if node.module and base else (node.module or base)
                    out.append(Import(module, file, node.lineno, guard, node.level, names))
                elif node.module:
                    out.append(Import(node.module, file, node.lineno, guard, 0, names))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.append((node.body, guard or "function"))
            elif isinstance(node, ast.ClassDef):
                stack.append((node.body, guard))
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                node = cast(ast.Try, node)  # ast.TryStar (3.11+) has the same fields
                catches = any(_catches_import_error(h.type) for h in node.handlers)
                stack.append((node.body, guard or ("try" if catches else None)))
                for handler in node.handlers:
                    stack.append((handler.body, guard or "try"))
                stack.append((node.orelse + node.finalbody, guard))
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test) if hasattr(ast, "unparse") else ""
                if "TYPE_CHECKING" in test:
                    stack.append((node.body, guard or "type-checking"))
                    stack.append((node.orelse, guard))
                elif "__name__" in test and "__main__" in test:
                    stack.append((node.body, guard))
                    stack.append((node.orelse, guard or "main"))
                else:
                    stack.append((node.body + node.orelse, guard))
            elif isinstance(node, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
                stack.append((node.body + getattr(node, "orelse", []), guard))
    out.sort(key=lambda i: (i.line, i.module))
    return out, None


def _catches_import_error(node: ast.expr | None) -> bool:
    if node is None:
        return True
    names = {n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else "" for n in ast.walk(node)}
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _relative_base(package: str | None, level: int) -> str | None:
    if not package:
        return None
    parts = package.split(".")
    if level - 1 > len(parts) - 1:
        return None
    return ".".join(parts[: len(parts) - (level - 1)])


def django_settings(source: str) -> str | None:
    """The literal of ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")`` in a manage.py/wsgi.py."""
    match = re.search(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']""", source)
    return match.group(1) if match else None


@record
class Found:
    """Where a module resolved: ``file`` to read (None for a namespace/extension/stdlib), ``own`` when it is the project's."""

    location: str
    file: str | None
    own: bool
    package: str | None  # the package a module's relative imports start from


@record
class Missing:
    """An import that does not resolve."""

    imp: Import
    top: str
    looked: list[str]
    reason: str = ""


@record
class Graph:
    missing: list[Missing] = field(default_factory=list)
    modules: int = 0
    unreadable: list[str] = field(default_factory=list)


def import_graph(entry_modules: list[tuple[str, Import | None]], find: Callable[[str], Found | None],
                 read: Callable[[str], str | None], looked: list[str], *, start_file: str | None = None,
                 start_package: str | None = None) -> Graph:
    """Resolve the entry (a script file, or modules) and every import reachable through the project's own modules."""
    graph = Graph()
    cap = limits.get("import-graph-modules")
    queue: list[tuple[str, str | None]] = []  # (file, package)
    seen_files: set[str] = set()
    checked: set[str] = set()

    def need(module: str, imp: Import | None) -> None:
        top = module.split(".", 1)[0]
        found = find(module)
        if found is None:
            if imp is not None:
                graph.missing.append(Missing(imp, top, looked))
            else:
                graph.missing.append(Missing(Import(module, "the command", 0), top, looked))
            return
        if found.own and found.file and found.file not in seen_files:
            seen_files.add(found.file)
            queue.append((found.file, found.package))

    if start_file is not None:
        seen_files.add(start_file)
        queue.append((start_file, start_package))
    for module, imp in entry_modules:
        need(module, imp)
    while queue:
        file, package = queue.pop(0)
        graph.modules += 1
        if graph.modules > cap:
            raise limits.LimitExceeded("import-graph-modules", file, f"more than {cap} modules reached from the entry")
        source = read(file)
        if source is None:
            graph.unreadable.append(file)
            continue
        imports, problem = read_imports(source, file, package)
        if problem:
            graph.unreadable.append(f"{file} ({problem})")
        for imp in imports:
            if imp.problem:
                graph.missing.append(Missing(imp, imp.module, looked, imp.problem))
                continue
            key = f"{imp.module}\0{imp.guard}"
            if key in checked:
                continue
            checked.add(key)
            need(imp.module, imp)
            for name in imp.names if imp.level or imp.module else ():
                sub = f"{imp.module}.{name}"
                found = find(sub) if name != "*" else None
                if found is not None and found.own and found.file and found.file not in seen_files:
                    seen_files.add(found.file)
                    queue.append((found.file, found.package))
    return graph
