"""The ``imagepolicy`` command line.

Exit codes: 0 nothing at or above the failure threshold; 1 findings at or above
it; 2 usage, config or input error (a message naming the file and the problem,
never a traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .model import SEVERITY_LABELS, InputError, TargetResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Report files written by one run, besides --format/--output: flag -> format name.
REPORT_FLAGS = {
    "junit": "junit",
    "json": "json",
    "sarif": "sarif",
    "codeclimate": "codeclimate",
    "github_summary": "github-summary",
}


class UsageError(InputError):
    pass


class _Parser(argparse.ArgumentParser):
    def _get_formatter(self):
        # argparse makes a formatter for every add_argument (to check the metavar); left to itself the
        # formatter imports shutil for the terminal width (3 ms at every start). The same width:
        return self.formatter_class(prog=self.prog, width=_help_width())  # type: ignore[call-arg]  # HelpFormatter takes it

    def error(self, message: str):  # argparse's default prints usage then exits 2: keep it, but name us
        from .output import neutralise

        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, neutralise(f"imagepolicy: error: {message}\n"))


_width: int | None = None


def _help_width() -> int:
    """``shutil.get_terminal_size().columns - 2``, argparse's help width, without importing shutil."""
    global _width
    if _width is None:
        try:
            columns = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 0
        _width = (columns if columns > 0 else 80) - 2
    return _width


class _Unused:
    """Stands for a subcommand's parser while another subcommand runs: its arguments are not made (see build_parser)."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        return None

    def add_mutually_exclusive_group(self, **kwargs: object) -> _Unused:
        return self


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command``, only that subcommand's arguments are made.

    Every subcommand is listed either way (``imagepolicy --help``, a wrong name); making the other
    subcommands' 60 arguments cost 3 ms of every start. When ``command`` is one of
    :data:`COMMANDS`, the other subcommands' parsers are not made at all (each asks gettext for its
    titles: 18 look-ups); a name that is none of them gets every parser, so the error lists them.
    """
    parser = _Parser(prog="imagepolicy", description="Pre-merge image policy for CI: checks Dockerfiles and built images.")
    parser.add_argument("--version", action="version", version=f"imagepolicy {__version__}")
    # prog given: argparse would otherwise build a help formatter for it, which imports shutil (3 ms) for the terminal size.
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog=parser.prog)
    if command is not None:
        sub = _OnlySubcommand(sub, command)

    check = sub.add_parser("check", help="check Dockerfiles and built images", description="Check Dockerfiles (files or folders searched recursively) and built images (archives, OCI layouts, the Docker daemon, registries).")
    _target_arguments(check)
    check.add_argument("--format", "-f", default="text", metavar="FORMAT", help="output format: text (default), json, junit, sarif, codeclimate, github, github-summary")
    check.add_argument("--output", "-o", metavar="FILE", help="write the --format output to FILE instead of standard output")
    check.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    check.add_argument("--json", metavar="FILE", help="also write a JSON report to FILE")
    check.add_argument("--sarif", metavar="FILE", help="also write a SARIF 2.1.0 report to FILE")
    check.add_argument("--codeclimate", metavar="FILE", help="also write a GitLab Code Quality report to FILE")
    check.add_argument("--github-summary", metavar="FILE", help="also write a Markdown summary (for $GITHUB_STEP_SUMMARY) to FILE")
    check.add_argument("--failure-threshold", choices=[*SEVERITY_LABELS, "none"], help="lowest severity that fails the run (default: error)")
    check.add_argument("--shard", metavar="K/N", help="check only slice K of N of the targets (deterministic; for CI matrices)")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE (written by `imagepolicy baseline`)")
    check.add_argument("--new-from-rev", metavar="REF", help="report only findings on lines the change since the merge base of REF and HEAD added or modified (e.g. origin/main)")
    check.add_argument("--new-from-rev-files", action="store_true", help="with --new-from-rev: report every finding of a file the change touched")
    check.add_argument("--junit-passing", choices=["target", "rule"], default="target", help="JUnit passing testcases: one per target (default) or one per rule and target")
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour text output (default auto: on a terminal, unless NO_COLOR is set)")
    check.add_argument("--fix", action="store_true", help="apply the automatic fixes to the Dockerfiles first (as `imagepolicy fix`), then check and report what is left")
    check.add_argument("--unsafe", action="store_true", help="with --fix: also apply the fixes that may change more than the finding (see `imagepolicy rules`)")

    baseline = sub.add_parser("baseline", help="record today's findings, so that check --baseline reports only new ones",
                              description="Check like `imagepolicy check` and record every finding in a baseline file.")
    _target_arguments(baseline)
    baseline.add_argument("--output", "-o", metavar="FILE", required=True, help="the baseline file to write (e.g. .imagepolicy-baseline.json)")

    fix = sub.add_parser("fix", help="apply the rules' automatic fixes to Dockerfiles",
                         description="Apply the rules' automatic fixes to Dockerfiles (files or folders searched recursively), "
                                     "keeping formatting and comments. Each fix is checked again before it is kept: one that would "
                                     "break parsing or add a finding is dropped, and said so.")
    fix.add_argument("paths", nargs="*", metavar="DOCKERFILE", help="Dockerfiles or folders to search, or - for standard input (the fixed text goes to standard output; default: ./Dockerfile)")
    fix.add_argument("--diff", action="store_true", help="print a unified diff of the fixes and change nothing (exit 1 when there is something to fix)")
    fix.add_argument("--unsafe", action="store_true", help="also apply the fixes that may change more than the finding (the rules' docs say what)")
    fix.add_argument("--context", metavar="DIR", help="build context (default: each Dockerfile's folder)")
    fix_config = fix.add_mutually_exclusive_group()
    fix_config.add_argument("--config", metavar="FILE", help="config file (default: discovered from the working directory up to the repository root)")
    fix_config.add_argument("--no-config", action="store_true", help="ignore config files; use built-in defaults")
    fix.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="build argument value, as for docker build (repeatable)")
    fix.add_argument("--limit", action="append", default=[], metavar="NAME=N", help="raise (or lower) one of the input limits listed in docs/limits.md (repeatable)")
    fix.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    _trust_flags(fix)

    rules = sub.add_parser("rules", help="list the available rules")
    rules.add_argument("--format", "-f", choices=["text", "json", "markdown"], default="text")
    rules.add_argument("--config", metavar="FILE", help="config whose plugins to load")
    _trust_flags(rules)

    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", metavar="CODE", help="rule code, name or alias (e.g. PY001, install-before-source, SC3001)")
    explain.add_argument("--config", metavar="FILE", help="config whose plugins to load")
    _trust_flags(explain)

    schema = sub.add_parser("schema", help="print the JSON Schema of the config, with the installed plugins' rules")
    schema.add_argument("--config", metavar="FILE", help="config whose plugins to load")
    _trust_flags(schema)

    docs = sub.add_parser("docs", help="write a Markdown page per rule and a rule index",
                          description="Write DIR/rules/<CODE>.md for every rule the installed plugins declare (from its "
                                      "docstring and declaration) and the index DIR/rules/README.md; generated pages of "
                                      "rules that no longer exist are removed.")
    docs.add_argument("--output", "-o", metavar="DIR", required=True, help="the documentation folder (e.g. docs)")
    docs.add_argument("--config", metavar="FILE", help="config whose plugins to load")
    _trust_flags(docs)
    return parser


#: The subcommands, as build_parser makes them.
COMMANDS = ("check", "baseline", "fix", "rules", "explain", "schema", "docs")


class _OnlySubcommand:
    """The subparsers action of a run whose subcommand name is given: only that subcommand gets its arguments.

    For a known name the other subcommands' parsers are not made at all; for a name that is none of
    :data:`COMMANDS` every parser is made (so argparse's error lists them all), none with arguments.
    """

    def __init__(self, action: Any, command: str) -> None:
        self._action = action
        self._command = command

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if name == self._command:
            return self._action.add_parser(name, **kwargs)
        if self._command not in COMMANDS:
            self._action.add_parser(name, **kwargs)
        return _Unused()


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    """What to check and how: shared by ``check`` and ``baseline``."""
    parser.add_argument("paths", nargs="*", metavar="DOCKERFILE", help="Dockerfiles or folders to search, or - for standard input (default: ./Dockerfile)")
    parser.add_argument("--context", metavar="DIR", help="build context (default: each Dockerfile's folder)")
    parser.add_argument("--image", action="append", default=[], metavar="IMAGE", help="image to check (repeatable): an archive or OCI layout, docker-daemon:NAME[:TAG] (the Docker Engine at DOCKER_HOST), docker://REGISTRY/REPOSITORY[:TAG|@DIGEST], or a bare NAME:TAG for the daemon's image")
    parser.add_argument("--platform", metavar="OS/ARCH", help="platform to pick from a multi-platform image (default: linux/amd64, or the only image an archive holds)")
    parser.add_argument("--registry-username", metavar="USER", help="user name for the registry of the docker:// images (its password is read from --registry-password-env)")
    parser.add_argument("--registry-password-env", metavar="VAR", help="environment variable holding the registry password or token (default: IMAGEPOLICY_REGISTRY_PASSWORD), e.g. CI_REGISTRY_PASSWORD or GITHUB_TOKEN")
    parser.add_argument("--registry-host", metavar="HOST[:PORT]", help="the only registry the --registry-username credentials may be sent to (default: the registry of the docker:// images, when they name one)")
    parser.add_argument("--insecure-registry", action="append", default=[], metavar="HOST[:PORT]", help="talk plain HTTP to this registry (test registries only; repeatable)")
    config_choice = parser.add_mutually_exclusive_group()  # --config X --no-config would silently use X
    config_choice.add_argument("--config", metavar="FILE", help="config file (default: discovered from the working directory up to the repository root)")
    config_choice.add_argument("--no-config", action="store_true", help="ignore config files; use built-in defaults")
    parser.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="build argument value, as for docker build (repeatable)")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=N", help="raise (or lower) one of the input limits listed in docs/limits.md, e.g. --limit dockerfile-bytes=8388608 (repeatable)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    _trust_flags(parser)
    cache_choice = parser.add_mutually_exclusive_group()
    cache_choice.add_argument("--cache-dir", metavar="DIR", help="keep results between runs in DIR (default: $IMAGEPOLICY_CACHE_DIR, else the user cache folder, e.g. ~/.cache/imagepolicy)")
    cache_choice.add_argument("--no-cache", action="store_true", help="neither read nor write the cache (also IMAGEPOLICY_NO_CACHE=1)")


def _trust_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that say what imagepolicy may read and run (see SECURITY.md)."""
    parser.add_argument("--root", metavar="DIR", help="the checked tree: nothing outside it is read (default: the git work "
                        "tree holding the working directory, else the working directory)")
    parser.add_argument("--allow-repo-plugins", action="store_true", help="let the config's `plugins` import modules "
                        "from the checked tree, the config's folder included (runs repository code: only for a "
                        "trusted checkout)")


def main(argv: Sequence[str] | None = None) -> int:
    from . import cleanup, tree

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    debug = getattr(args, "debug", False)
    command = {"check": cmd_check, "baseline": cmd_baseline, "fix": cmd_fix, "rules": cmd_rules, "explain": cmd_explain,
               "schema": cmd_schema, "docs": cmd_docs}[args.command]
    store = _open_cache(args)
    try:
        with cleanup.signals_handled(), tree.use(args.root):
            return command(args)
    except InputError as exc:
        if debug:
            _print_traceback()
        _error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`imagepolicy explain X | head`): not an error of ours.
        _silence_stdout()
        return EXIT_CLEAN
    except Exception as exc:  # noqa: BLE001 - exit 1 means "findings": a crash must not look like that
        if debug:
            _print_traceback()
        else:
            from .engine import internal_error

            _error(internal_error("imagepolicy", exc))
        return EXIT_ERROR
    finally:
        if store is not None:
            store.prune()
            from . import cache

            cache.activate(None)


def _print_traceback() -> None:
    import traceback  # only with --debug: it costs a few milliseconds to import

    traceback.print_exc()


def _open_cache(args):
    """Open and activate the cache the arguments ask for; None without one (a note says why, if unexpected)."""
    from . import cache

    root, why = cache.choose_root(getattr(args, "cache_dir", None), getattr(args, "no_cache", False),
                                  cache.checked_tree(getattr(args, "root", None)))
    store = None
    if root is not None:
        store, why = cache.open_cache(root)
    if why:
        from .notes import note_once

        note_once(why)
    cache.activate(store)
    return store


def _error(message: str) -> None:
    """One ``imagepolicy: error: ...`` line on standard error, safe for CI logs."""
    from .output import neutralise

    print(neutralise(f"imagepolicy: error: {message}"), file=sys.stderr)


def _say(text: str = "") -> None:
    """One line on standard output (see :func:`_emit`)."""
    _emit(text + "\n")


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the final flush cannot fail on a closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _emit(text: str, *, annotations: bool = False) -> None:
    """Write ``text`` to standard output, safe for CI logs; a reader that closed the pipe early is not an error.

    ``check`` keeps going after that, so its exit code still says whether findings
    block the merge (`imagepolicy check . | head` under `set -o pipefail` must stay red).
    ``annotations``: ``text`` is the github format, whose own workflow commands stay.
    """
    from .output import neutralise

    try:
        sys.stdout.write(neutralise(text, annotations=annotations))
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


# --- setup shared by the commands ------------------------------------------------------


def _load(config_arg: str | None, *, no_config: bool = False, overrides: dict | None = None,
          allow_repo_plugins: bool = False, checks: bool = False):
    from . import config as config_mod
    from . import tree
    from .launch import startup_over
    from .pluginmanager import build_plugin_manager, collect

    raw = None
    if config_arg:
        path = Path(config_arg)
        tree.check_folder(path, config_arg, "config file")
        if path.is_dir():
            raise UsageError(f"{config_arg}: is a folder; --config takes a config file (e.g. {path / '.imagepolicy.yml'})")
        tree.check_file(path, config_arg, "config file")
        if not path.is_file():
            raise UsageError(f"{config_arg}: config file not found")
        raw = config_mod.load_raw(path)
    elif not no_config:
        found = config_mod.discover_config(
            Path.cwd(), stop=tree.current(), check=lambda p: tree.check_file(p, config_mod._display(p), "config file")
        )
        if found is not None:
            raw = config_mod.load_raw(found)
    modules = config_mod.plugin_modules(raw) if raw is not None else []
    if raw is not None and modules and allow_repo_plugins:
        # As flake8's local plugins: modules in the config's folder, after everything installed.
        sys.path.append(str(Path(raw.path).resolve().parent))
    pm = build_plugin_manager(modules, config_path=str(raw.path) if raw is not None else None,
                              allow_repo_plugins=allow_repo_plugins)
    registry = collect(pm)
    config = config_mod.resolve(raw, list(registry.rules), registry.presets, overrides=overrides,
                                settings=registry.settings.values())
    if not checks:
        startup_over()  # else the engine says when (after the first Dockerfile's rules are imported)
    return pm, registry, config


def _parse_build_args(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        key, eq, value = item.partition("=")
        if not key:
            raise UsageError(f"--build-arg {item!r}: expected KEY=VALUE")
        if eq:
            out[key] = value
        elif key in os.environ:  # as docker build: a name the environment lacks is not passed at all
            out[key] = os.environ[key]
    return out


def _targets(paths: list[str]) -> tuple[list[Path], list[TargetResult]]:
    """The Dockerfiles to check, and the folder arguments that could not be searched (as target errors)."""
    from . import tree

    targets: list[Path] = []
    failed: list[TargetResult] = []
    for raw in paths:
        p = Path(raw)
        if raw == "-":
            targets.append(p)  # standard input; the engine reads it
            continue
        if p.is_dir():
            from .discovery import discover_dockerfiles  # only for folders

            try:
                tree.check_folder(p, raw, "folder to search")
                found = discover_dockerfiles(p)
            except InputError as exc:
                failed.append(TargetResult(target=raw, kind="dockerfile", errors=[str(exc)]))
                continue
            if not found:
                raise UsageError(f"{raw}: no Dockerfile (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*) found in this folder")
            targets.extend(found)
        else:
            # Files are checked by the engine: a missing, unreadable or refused one is an input
            # error of that target, reported with the others.
            targets.append(p)
    seen, unique = set(), []
    for t in targets:
        key = "-" if str(t) == "-" else str(t.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique, failed


def _image_sources(args, images: list[str]):
    """How to reach daemons and registries: the explicit login and the plain-HTTP registries (None: defaults)."""
    if not images and not args.registry_username:
        return None
    from .image.auth import explicit_login
    from .image.sources import SourceOptions, registries_of

    insecure = frozenset(h.strip().lower() for h in args.insecure_registry if h.strip())
    host = args.registry_host
    if args.registry_username and not host:
        named = registries_of(images)
        if len(named) > 1:
            raise UsageError(f"--registry-username: the images name {len(named)} registries ({', '.join(named)}); "
                             "say which one the credentials are for with --registry-host")
        if not named:  # no docker:// image: the credentials have nowhere to go
            return SourceOptions(insecure_registries=insecure)
        host = named[0]
    login = explicit_login(args.registry_username, args.registry_password_env, host, os.environ)
    return SourceOptions(login=login, insecure_registries=insecure)


def _use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _write(path: str, text: str, *, annotations: bool = False) -> None:
    """Write a report file: neutralised, renamed into place, never through a symbolic link."""
    from .output import write_report

    try:
        write_report(path, text, annotations=annotations)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write report: {exc.strerror or exc}") from None


# --- commands -------------------------------------------------------------------------


def _checked(args):
    """Run the check ``args`` ask for (``check`` and ``baseline``): (registry, report)."""
    from . import limits
    from .engine import CheckRequest, run_checks

    limits.configure(dict(limits.parse_assignment(text) for text in args.limit))
    threshold = getattr(args, "failure_threshold", None)
    overrides = {"failure-threshold": threshold} if threshold else None
    pm, registry, config = _load(args.config, no_config=args.no_config, overrides=overrides,
                                 allow_repo_plugins=args.allow_repo_plugins, checks=True)
    fmt = getattr(args, "format", "text")
    if fmt not in registry.formats:
        _plugin_errors(registry)  # a plugin's report_formats hook may have crashed: say so first
        raise UsageError(f"--format {fmt!r}: unknown format; available: {', '.join(sorted(registry.formats))}")
    baseline, change = _adoption_inputs(args)
    if any(not image.strip() for image in args.image):
        raise UsageError("--image '': an empty value; give an image archive or OCI layout, docker-daemon:NAME:TAG "
                         "or docker://REGISTRY/REPOSITORY:TAG")
    paths = list(args.paths)
    if not paths and not args.image:
        default = Path("Dockerfile")
        if not default.exists() and not default.is_symlink():  # a broken link is reported as that target's error
            raise UsageError("nothing to check: give Dockerfiles, folders or --image IMAGE (no ./Dockerfile here)")
        paths = [str(default)]
    if args.context:
        from . import tree

        tree.check_folder(args.context, f"--context {args.context}", "build context")
        if not Path(args.context).is_dir():
            raise UsageError(f"--context {args.context}: not a folder")
    (dockerfiles, unsearched), images = _targets(paths), list(args.image)
    if getattr(args, "shard", None):
        from .shard import parse_shard, select

        k, n = parse_shard(args.shard)
        chosen = set(select([str(p) for p in dockerfiles] + images + [r.target for r in unsearched], k, n))
        dockerfiles = [p for p in dockerfiles if str(p) in chosen]
        images = [image for image in images if image in chosen]
        unsearched = [result for result in unsearched if result.target in chosen]
    request = CheckRequest(
        dockerfiles=dockerfiles,
        images=images,
        image_sources=_image_sources(args, images),
        context=Path(args.context).resolve() if args.context else None,
        build_args=_parse_build_args(args.build_arg),
        platform=args.platform,
        debug=args.debug,
    )
    if getattr(args, "unsafe", False) and not getattr(args, "fix", False):
        raise UsageError("--unsafe applies fixes: use it with --fix (or run `imagepolicy fix --unsafe`)")
    if getattr(args, "fix", False):  # check --fix
        fixable = [p for p in dockerfiles if str(p) != "-"]
        if len(fixable) != len(dockerfiles):
            raise UsageError("check --fix cannot fix standard input; use `imagepolicy fix -`, which prints the fixed text")
        _fix_and_write(pm, registry, config, request, unsafe=args.unsafe, out=sys.stderr, show_errors=False)
    if request.images and len(request.dockerfiles) > 1:
        print(
            f"imagepolicy: note: {len(request.dockerfiles)} Dockerfiles and an image: image findings are not mapped to "
            "Dockerfile lines, and the Python rules that read the build context (PY003, PY004) need it: give the one "
            "Dockerfile that built the image, or --context",
            file=sys.stderr,
        )
    report = run_checks(pm, registry, config, request)
    report.results[:0] = unsearched
    _adopt(report, args, baseline, change)
    from .replay import record

    record(args, request, config, registry, report, pm)  # the inputs, should this run be replayed later
    return registry, report


def _adoption_inputs(args):
    """The baseline entries and the git change the run compares with, read before any target is checked."""
    baseline = change = None
    if getattr(args, "new_from_rev_files", False) and not getattr(args, "new_from_rev", None):
        raise UsageError("--new-from-rev-files needs --new-from-rev REF (the ref to compare with)")
    if getattr(args, "baseline", None):
        from .baseline import load

        baseline = load(args.baseline)
    if getattr(args, "new_from_rev", None) is not None:
        from .gitdiff import changed_lines

        change = changed_lines(args.new_from_rev)
    return baseline, change


def _adopt(report, args, baseline, change) -> None:
    """Set aside what the baseline records and what lies outside the change; pass the format options on."""
    if baseline is not None:
        from .baseline import apply

        apply(report, baseline, args.baseline)
    if change is not None:
        from .gitdiff import apply as apply_change

        apply_change(report, change, whole_files=args.new_from_rev_files)
    report.format_options = {"junit-passing": getattr(args, "junit_passing", "target")}


def cmd_baseline(args) -> int:
    """Record every finding of the check in the baseline file; exit 2 when a target could not be checked."""
    from .baseline import render

    registry, report = _checked(args)
    _write(args.output, render(report))
    count = len(report.findings)
    print(f"imagepolicy: recorded {count} finding{'' if count == 1 else 's'} of {len(report.results)} "
          f"target{'' if len(report.results) == 1 else 's'} in {args.output}", file=sys.stderr)
    if report.errors:
        for _, message in report.errors:
            _error(message)
        print(f"imagepolicy: error: {len(report.errors)} input error(s): the findings of those targets are not in "
              f"{args.output}; fix them and record the baseline again", file=sys.stderr)
        return EXIT_ERROR
    if registry.errors:
        return _plugin_errors(registry)
    return EXIT_CLEAN


def cmd_check(args) -> int:
    registry, report = _checked(args)

    for flag, fmt_name in REPORT_FLAGS.items():
        dest = getattr(args, flag, None)
        if dest:
            _write(dest, registry.formats[fmt_name].render(report, False))
    fmt = registry.formats[args.format]
    annotations = args.format == "github"
    if args.output:
        _write(args.output, fmt.render(report, False), annotations=annotations)
    else:
        text = fmt.render(report, _use_color(args.color, sys.stdout))
        _emit(text if text.endswith("\n") or not text else text + "\n", annotations=annotations)
    if report.errors:
        for _target, message in report.errors:
            if args.format != "text" or args.output:
                _error(message)
        return EXIT_ERROR
    if registry.errors:  # no target to carry them (an empty --shard slice): still never a clean run
        return _plugin_errors(registry)
    return EXIT_FINDINGS if report.blocking() else EXIT_CLEAN


def _fix_and_write(pm, registry, config, request, *, unsafe: bool, out, diff: bool = False,
                   show_errors: bool = True) -> tuple[list, bool]:
    """Fix ``request``'s Dockerfiles, write them (or print diffs), report to ``out``; (files, errors?).

    ``show_errors=False`` leaves the input errors to the check that follows (``check --fix``).
    """
    from .engine import CheckRequest, run_checks
    from .fixes import fix_dockerfiles, unified_diff, write_fixed
    from .output import neutralise

    def tell(line: str) -> None:
        if out is sys.stdout:
            _say(line)
        else:
            print(neutralise(line), file=out)

    def check(pairs):
        batch = CheckRequest(dockerfiles=[p for p, _ in pairs], texts=[t for _, t in pairs], context=request.context,
                             build_args=request.build_args, debug=request.debug)
        return run_checks(pm, registry, config, batch).results

    files = fix_dockerfiles(list(request.dockerfiles), check, unsafe=unsafe)
    errors = False
    for item in files:
        if item.error:
            errors = True
            if show_errors:
                _error(item.error)
            continue
        for message in item.check_errors:
            errors = True
            if show_errors:
                _error(message)
        if diff:
            _emit(unified_diff(item))
        elif str(item.path) == "-":
            _emit(item.source.encode(item.text).decode("utf-8") if item.source else "")
        elif item.source is not None and item.changed:
            try:
                write_fixed(item)
            except (InputError, OSError) as exc:
                errors = True
                _error(str(exc) if isinstance(exc, InputError) else f"{item.shown}: cannot write the fixed Dockerfile: {exc.strerror or exc}")
                item.text, item.result, item.applied = item.source.text, item.first_result, []  # nothing changed
                continue
        verb = "would fix" if diff else "fixed"
        for applied in item.applied:
            where = f":{applied.line}" if applied.line is not None else ""
            tell(f"{item.shown}{where}: {verb} {', '.join(applied.codes)}: {applied.title}")
        for dropped in item.dropped:
            where = f":{dropped.line}" if dropped.line is not None else ""
            tell(f"{item.shown}{where}: fix for {', '.join(dropped.codes)} dropped ({dropped.title}): {dropped.reason}")
        if item.unfinished:
            tell(f"{item.shown}: more fixes remain after {len(item.applied)} applied; run imagepolicy fix again")
    tell(_fix_summary(files, unsafe=unsafe, diff=diff))
    return files, errors


def _fix_summary(files, *, unsafe: bool, diff: bool) -> str:
    applied = sum(a.findings for f in files for a in f.applied)
    changed = sum(1 for f in files if f.changed)
    dropped = sum(len(f.dropped) for f in files)
    left = sum(len(f.findings) for f in files)
    unsafe_left = 0 if unsafe else sum(f.unsafe_left() for f in files)
    verb = "would fix" if diff else "fixed"
    text = f"imagepolicy: {verb} {applied} finding{'s' * (applied != 1)} in {changed} file{'s' * (changed != 1)}"
    if dropped:
        text += f"; {dropped} fix{'es' * (dropped != 1)} dropped (see above)"
    text += f"; {left} finding{'s' * (left != 1)} left"
    if unsafe_left:
        text += f" ({unsafe_left} fixable with --unsafe)"
    return text


def cmd_fix(args) -> int:
    from . import limits
    from .engine import CheckRequest

    limits.configure(dict(limits.parse_assignment(text) for text in args.limit))
    pm, registry, config = _load(args.config, no_config=args.no_config, allow_repo_plugins=args.allow_repo_plugins,
                                 checks=True)
    paths = list(args.paths)
    if not paths:
        if not Path("Dockerfile").exists() and not Path("Dockerfile").is_symlink():
            raise UsageError("nothing to fix: give Dockerfiles or folders (no ./Dockerfile here)")
        paths = ["Dockerfile"]
    if args.context and not Path(args.context).is_dir():
        raise UsageError(f"--context {args.context}: not a folder")
    dockerfiles, unsearched = _targets(paths)
    for result in unsearched:  # a folder argument that could not be searched; the others are still fixed
        for message in result.errors:
            _error(message)
    request = CheckRequest(
        dockerfiles=dockerfiles,
        context=Path(args.context).resolve() if args.context else None,
        build_args=_parse_build_args(args.build_arg),
        debug=args.debug,
    )
    to_stdout = any(str(p) == "-" for p in dockerfiles)
    out = sys.stderr if (to_stdout or args.diff) else sys.stdout
    files, errors = _fix_and_write(pm, registry, config, request, unsafe=args.unsafe, out=out, diff=args.diff)
    if errors or unsearched or registry.errors:
        _plugin_errors(registry)
        return EXIT_ERROR
    if args.diff and any(f.changed for f in files):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _plugin_errors(registry) -> int:
    """Print the plugins' declaration errors (a hook that crashed); exit 2 when there are any."""
    for message in registry.errors:
        _error(message)
    return EXIT_ERROR if registry.errors else EXIT_CLEAN


def cmd_rules(args) -> int:
    _, registry, _ = _load(args.config, allow_repo_plugins=args.allow_repo_plugins)
    rows = [
        {
            "rule": r.code,
            "name": r.name,
            "aliases": list(r.aliases),
            "severity": r.severity.label,
            "target": r.target,
            "description": r.summary,
            "fix": r.autofix or None,
        }
        for r in registry.rules
    ]
    if args.format == "json":
        _say(json.dumps(rows, indent=2))
        return _plugin_errors(registry)
    if args.format == "markdown":
        _say("| code | name | severity | target | checks | fix | aliases |")
        _say("| --- | --- | --- | --- | --- | --- | --- |")
        for r in rows:
            _say(f"| `{r['rule']}` | {r['name']} | {r['severity']} | {r['target']} | {r['description']} | {r['fix'] or ''} "
                 f"| {', '.join(r['aliases'])} |")
        return _plugin_errors(registry)
    width = max((len(r["rule"]) for r in rows), default=5)
    name_width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        aliases = f" (aliases: {', '.join(r['aliases'])})" if r["aliases"] else ""
        if not registry.rule(r["rule"]).default_enabled:
            aliases += " [off by default]"
        if r["fix"]:
            aliases += f" [fix: {r['fix']}]"
        _say(f"{r['rule']:<{width}}  {r['name']:<{name_width}}  {r['severity']:<7}  {r['target']:<10}  {r['description']}{aliases}")
    return _plugin_errors(registry)


def cmd_explain(args) -> int:
    _, registry, _ = _load(args.config, allow_repo_plugins=args.allow_repo_plugins)
    rule = registry.rule(args.code)
    if rule is None:
        import difflib

        keys = [k for r in registry.rules for k in (r.code, r.name, *r.aliases)]
        close = difflib.get_close_matches(args.code, keys, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `imagepolicy rules` lists them"
        raise UsageError(f"no rule {args.code!r}{hint}")
    header = f"{rule.code} {rule.name} ({rule.severity.label}, {rule.target})"
    if rule.code_pattern and args.code.upper() != rule.code:
        header = f"{args.code.upper()}: reported by the {rule.code} family rule " + header
    _say(header)
    _say(rule.summary)
    if rule.aliases:
        _say(f"Aliases: {', '.join(rule.aliases)}")
    _say()
    _say(rule.docs or "(no documentation)")
    if rule.options and rule.options.get("properties"):
        _say(f"\nOptions (in the config, under rules: {{{rule.code}: {{...}}}}):")
        for key, spec in sorted(rule.options["properties"].items()):
            default = f" (default {json.dumps(spec['default'])})" if "default" in spec else ""
            _say(f"  {key}: {spec.get('description', '')}{default}")
    plugin = registry.plugin_of(rule)
    section = registry.settings_section(plugin) if plugin is not None else None
    if section is not None and section.options:
        _say(f"\nSettings of its plugin (in the config, under settings: {{{section.section}: {{...}}}}):")
        for option in sorted(section.options, key=lambda o: o.name):
            _say(f"  {option.name}: {option.description} (default {json.dumps(option.default)})")
    return _plugin_errors(registry)


def cmd_schema(args) -> int:
    from . import config as config_mod

    _, registry, _ = _load(args.config, no_config=args.config is None, allow_repo_plugins=args.allow_repo_plugins)
    _emit(config_mod.render_schema(list(registry.rules), registry.presets, registry.settings.values()))
    return _plugin_errors(registry)


def cmd_docs(args) -> int:
    from . import ruledocs

    _, registry, _ = _load(args.config, allow_repo_plugins=args.allow_repo_plugins)
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {args.output}: not a folder")
    try:
        written, removed = ruledocs.write(ruledocs.pages(registry), folder)
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write the pages: {exc.strerror or exc}") from None
    gone = f"; removed {removed} page{'s' * (removed != 1)} of rules that no longer exist" if removed else ""
    print(f"imagepolicy: wrote {written} pages to {(folder / 'rules').as_posix()}{gone}", file=sys.stderr)
    return _plugin_errors(registry)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
