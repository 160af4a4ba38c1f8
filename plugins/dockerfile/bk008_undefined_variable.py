"""A variable used before any `ARG` or `ENV` defines it (BuildKit's `UndefinedVar`).

## What it does
Flags `$NAME` in the instructions the builder expands (`ENV`, `ARG` defaults, `LABEL`,
`WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`, `COPY`/`ADD` paths and `--chown`/`--chmod`)
when no earlier `ARG` or `ENV` of the stage, of a stage it is built `FROM`, or of its base
image defines `NAME`. A close match is suggested (`$PAHT` -> `$PATH`). Shell-form `RUN`,
`CMD` and `ENTRYPOINT` are not checked: the shell expands those at run time.
`${NAME:-default}` forms are not flagged.

## Why is this bad?
An undefined variable expands to an empty string: `COPY $foo .` copies the whole context,
`ENV PATH=$PAHT:/app/bin` drops the system `PATH`. Build arguments declared only before the
first `FROM` are not visible inside a stage until it declares `ARG NAME` again.

## Example
```dockerfile
FROM alpine AS base
COPY $foo .
```

## Use instead
```dockerfile
FROM alpine AS base
ARG foo
COPY $foo .
```

```dockerfile
FROM python AS base
ARG VERSION=$PYTHON_VERSION
```

## Options
- `base-image-env` (object, image glob -> list of names): variables the base images set
  in their config, in addition to the built-in list for common official images (`python`
  sets `PYTHON_VERSION`, `golang` sets `GOPATH`, ...). Globs match the repository with or
  without its registry and path (`mycorp/base`, `*/base`). `PATH` is always defined.

## Differences from BuildKit
BuildKit reads the base image's `ENV` from the registry; a static check cannot, so it
knows the common official images' variables and whatever `base-image-env` lists. A
variable that a base image outside that list sets is reported: add it to the option.

## References
- [BuildKit UndefinedVar](https://docs.docker.com/go/dockerfile/rule/undefined-var/)
"""

from __future__ import annotations

import fnmatch
from typing import Iterator

from imagepolicy.dockerfile import Instruction, raw_words, process_word
from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import assignments, did_you_mean, escape_of

# ENV names the official images set in their config (hub.docker.com/_/<name>).
KNOWN_BASE_ENV: dict[str, tuple[str, ...]] = {
    "python": ("PYTHON_VERSION", "PYTHON_SHA256", "GPG_KEY", "LANG", "PYTHON_PIP_VERSION", "PYTHON_SETUPTOOLS_VERSION",
               "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256"),
    "pypy": ("PYPY_VERSION", "LANG"),
    "node": ("NODE_VERSION", "YARN_VERSION"),
    "golang": ("GOLANG_VERSION", "GOPATH", "GOTOOLCHAIN"),
    "rust": ("RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION"),
    "ruby": ("RUBY_VERSION", "RUBY_DOWNLOAD_SHA256", "RUBY_DOWNLOAD_URL", "GEM_HOME", "BUNDLE_SILENCE_ROOT_WARNING",
             "BUNDLE_APP_CONFIG", "LANG"),
    "php": ("PHP_VERSION", "PHP_INI_DIR", "PHP_URL", "PHP_ASC_URL", "PHP_SHA256", "PHPIZE_DEPS", "PHP_CFLAGS",
            "PHP_CPPFLAGS", "PHP_LDFLAGS", "GPG_KEYS"),
    "openjdk": ("JAVA_HOME", "JAVA_VERSION", "LANG"),
    "eclipse-temurin": ("JAVA_HOME", "JAVA_VERSION", "LANG", "LANGUAGE", "LC_ALL"),
    "amazoncorretto": ("JAVA_HOME", "LANG"),
    "maven": ("MAVEN_HOME", "MAVEN_CONFIG", "JAVA_HOME", "JAVA_VERSION", "LANG"),
    "gradle": ("GRADLE_HOME", "GRADLE_VERSION", "JAVA_HOME", "JAVA_VERSION", "LANG"),
    "nginx": ("NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE"),
    "httpd": ("HTTPD_PREFIX", "HTTPD_VERSION", "HTTPD_SHA256", "HTTPD_PATCHES"),
    "postgres": ("PG_MAJOR", "PG_VERSION", "PGDATA", "GOSU_VERSION", "LANG"),
    "redis": ("REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA"),
    "mcr.microsoft.com/dotnet/*": ("DOTNET_VERSION", "ASPNET_VERSION", "DOTNET_RUNNING_IN_CONTAINER", "APP_UID",
                                   "ASPNETCORE_HTTP_PORTS", "DOTNET_SDK_VERSION", "DOTNET_USE_POLLING_FILE_WATCHER",
                                   "NUGET_XMLDOC_MODE", "POWERSHELL_DISTRIBUTION_CHANNEL"),
}

_WILDCARDS = frozenset("*?[")

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "base-image-env": {
            "type": "object",
            "description": "Variables base images set, by image glob (in addition to the built-in official images).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "default": {},
        },
    },
}


def _repository(image: str) -> str:
    """``docker.io/library/python:3.12@sha256:..`` -> ``docker.io/library/python``."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def base_env(image: str, extra: dict[str, list[str]]) -> set[str]:
    """Names the base image is known to set."""
    repo = _repository(image).lower()
    candidates = {repo, repo.rsplit("/", 1)[-1], repo.removeprefix("docker.io/").removeprefix("library/")}
    names: set[str] = {"PATH"}
    for table in (KNOWN_BASE_ENV, extra):
        for glob, values in table.items():
            pattern = glob.lower()
            # A name without wildcards matches itself only: fnmatch would compile a regex for each (0.7 ms a run).
            if pattern in candidates if not _WILDCARDS.intersection(pattern) else any(
                    fnmatch.fnmatchcase(c, pattern) for c in candidates):
                names.update(values)
    return names


def _expanded_texts(instr: Instruction, escape: str) -> Iterator[str]:
    """The pieces of ``instr`` the builder expands, in order (ARG is handled on its own)."""
    kw = instr.keyword
    if kw in ("ENV", "LABEL"):
        for key, value in assignments(instr, escape)[0]:
            yield key
            if value is not None:
                yield value
    elif kw in ("WORKDIR", "USER", "STOPSIGNAL"):
        yield instr.args.strip()
    elif kw == "VOLUME":
        yield from instr.json_args if instr.json_args is not None else raw_words(instr.args, escape)
    elif kw in ("COPY", "ADD"):
        for name in ("chown", "chmod"):
            value = instr.flag(name)
            if value:
                yield value
        words = instr.json_args if instr.json_args is not None else raw_words(instr.args, escape)
        yield from (w for w in words if not w.startswith("<<"))


def _missing(text: str, defined: set[str], escape: str) -> list[str]:
    missing: list[str] = []
    try:
        process_word(text, {k: "x" for k in defined}, escape=escape, missing=missing)
    except ValueError:
        return []
    return [m for m in missing if m not in defined]


@rule("BK008", "undefined-variable", "warning", "dockerfile", "Variable used before ARG or ENV defines it",
      aliases=("UndefinedVar",), options=OPTIONS)
def check(dockerfile, ctx):
    escape = escape_of(dockerfile)
    extra = ctx.options.get("base-image-env") or {}
    for stage in dockerfile.stages:
        inherited = {key for st in stage.lineage()[1:] for i in st.instructions if i.keyword == "ARG"
                     for key, _ in assignments(i, escape)[0]}
        image_env = base_env(stage.root_base, extra) if stage.root_base.lower() != "scratch" else {"PATH"}
        for instr in stage.instructions:
            defined = set(instr.env) | set(instr.argvars) | inherited | image_env
            if instr.keyword == "ARG":
                found = []
                for key, default in assignments(instr, escape)[0]:
                    if default is not None and key not in dockerfile.build_args:
                        found += _missing(default, defined, escape)
                    defined.add(key)
            else:
                found = [m for text in _expanded_texts(instr, escape) for m in _missing(text, defined, escape)]
            for name in dict.fromkeys(found):
                yield Violation(
                    f"Usage of undefined variable '${name}'{did_you_mean(name, defined, '$')}",
                    line=instr.line,
                    fix=f"Declare it first (ARG {name} or ENV {name}=...) or fix the name.",
                )
