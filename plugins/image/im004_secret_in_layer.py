"""A credential file, private key, token or `.git` folder is stored in a layer.

## What it does
Looks at every version of every file in every layer, **deleted and
overwritten ones included**, and reports:

- credential files with credentials in them: `.npmrc` (`_authToken`,
  `_auth`, `_password`), `.pypirc` and `.netrc` passwords, `.git-credentials`,
  `.docker/config.json` `auth`/`identitytoken`, `.aws/credentials`,
  `.pgpass`, `.env` files (`DB_PASSWORD=...`; `.env.example`/`.sample`/`.template`
  are skipped);
- private keys (`-----BEGIN ... PRIVATE KEY-----` with a body) in `*.pem`,
  `*.key`, `*_key`, `id_rsa`/`id_ed25519`..., and anywhere in scanned text files;
- cloud and service tokens in scanned text files: AWS access key ids and secret
  keys, GCP service-account JSON keys, Azure storage account keys, GitHub,
  GitLab, Slack, npm, PyPI, Stripe and Hugging Face tokens, URLs with passwords
  (ids follow trivy's secret rule ids where trivy has the same rule);
- `.git` folders (history, remotes with tokens, unreleased code).

Each finding names the file, the layer (short diff_id) that holds the bytes and
the instruction (`created_by`) that wrote it, and for hidden versions the layer
that deleted it. Secrets are shown redacted. With the Dockerfile given too
(`imagepolicy check Dockerfile --image IMAGE`), the finding points at the line
of the instruction that wrote the bytes.

Only candidate files are read, chosen by name and extension (see
`scan-extensions`), at most `max-file-bytes` of each, all in one batched pass
over the layers. Library folders (`skip-content-paths`: site-packages,
node_modules, /usr/lib, ...) are only searched for credential files by name,
not for tokens in every source file. Known example values (AWS's
`AKIAIOSFODNN7EXAMPLE`, anything with `EXAMPLE`, `xxxx`, `${VAR}`, `<token>`)
never count, and test/example folders are skipped by default (`allow-paths`).

## Why is this bad?
Every layer ships to everyone who can pull the image, and `docker save` or
any registry client extracts each one. `RUN rm /root/.npmrc` in a later layer
only hides the file from the merged view: the bytes stay in the layer that
added them. A `.git` folder exposes the whole history, including secrets that
were committed and later removed.

## Example
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY .npmrc .npmrc
COPY . .
RUN npm ci && rm .npmrc
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci
COPY src ./src
```
and list `.git`, `.env` and `.npmrc` in `.dockerignore`.

## Options
- `allow-paths` (list of globs): files never reported; `*` matches across `/`.
  Default: test and example folders (`*/test/*`, `*/tests/*`, `*/testdata/*`,
  `*/fixtures/*`, `*/examples/*`, ...), `/usr/share/doc/*` and Debian's generated
  `/etc/ssl/private/ssl-cert-snakeoil.key`. Set `[]` to report everything.
- `allow-patterns` (list of regexes, default `[]`): a match is dropped when
  its value or its line matches one (re.search).
- `max-file-bytes` (integer, default 1048576): bytes read per file.
- `scan-extensions` (list): file name endings whose contents are searched for
  tokens outside library folders (credential files are always read).
- `skip-content-paths` (list of globs): library folders searched only for
  credential files by name.
- `git-folders` (boolean, default `true`): report `.git` folders.

## References
- [dockle CIS-DI-0010 / DKL-LI-0003](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [trivy secret scanning and its built-in rules](https://trivy.dev/latest/docs/scanner/secret/)
- [Docker build secrets](https://docs.docker.com/build/building/secrets/)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import compile_patterns, deleted_by, glob_matcher, layer_details, layer_label
from ._secrets import SecretMatch, credential_file_kind, find_tokens, find_url_credentials, redact, scan_credential_file

if TYPE_CHECKING:
    from imagepolicy.image.model import FileEntry

DEFAULT_ALLOW_PATHS = [
    "*/test/*",
    "*/tests/*",
    "*/testdata/*",
    "*/test_data/*",
    "*/testing/*",
    "*/fixtures/*",
    "*/example/*",
    "*/examples/*",
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/etc/ssl/private/ssl-cert-snakeoil.key",
]
DEFAULT_SCAN_EXTENSIONS = [
    ".env", ".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".php", ".go", ".java", ".cs",
    ".yml", ".yaml", ".json", ".toml", ".ini", ".cfg", ".conf", ".cnf", ".properties", ".xml", ".txt", ".tf",
    ".tfvars", ".sql", ".npmrc", ".pypirc", ".netrc", ".pem", ".key",
]
DEFAULT_SKIP_CONTENT_PATHS = [
    "/usr/lib/*", "/usr/lib64/*", "/usr/libexec/*", "/usr/share/*", "/usr/include/*", "/usr/src/linux-*",
    "/usr/local/lib/*", "/usr/local/include/*", "/usr/local/share/*", "/usr/local/go/*",
    "/lib/*", "/lib64/*", "/bin/*", "/sbin/*", "/usr/bin/*", "/usr/sbin/*",
    "/var/lib/*", "/var/cache/*", "/var/log/*", "/proc/*", "/sys/*", "/etc/ssl/certs/*", "/etc/ca-certificates/*",
    "*/site-packages/*", "*/dist-packages/*", "*/node_modules/*", "*/__pycache__/*", "*/.cache/*", "*/.git/*",
    "/opt/conda/pkgs/*", "/root/.npm/*", "/root/.cargo/registry/*", "/go/pkg/mod/*",
]
_CODE_EXTENSIONS = (".py", ".js", ".mjs", ".cjs", ".ts", ".rb", ".php", ".go", ".java", ".cs")
_KEY_KINDS = ("key", "ssh-key", "json-key")


@dataclass(frozen=True)
class _Candidate:
    entry: FileEntry
    kind: str | None  # a credential-file kind, or None for a scanned text file
    hidden: bool


@rule(
    "IM004",
    "secret-in-layer",
    "error",
    "image",
    "A layer stores credentials, a private key, a token or a .git folder (deleted files included).",
    options={
        "type": "object",
        "properties": {
            "allow-paths": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": DEFAULT_ALLOW_PATHS,
                "description": "Globs of image paths never reported (test fixtures, docs); `*` matches across `/`.",
            },
            "allow-patterns": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Regexes; a secret whose value or line matches one (re.search) is not reported.",
            },
            "max-file-bytes": {
                "type": "integer",
                "minimum": 1024,
                "default": 1048576,
                "description": "Bytes read from each candidate file.",
            },
            "scan-extensions": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": DEFAULT_SCAN_EXTENSIONS,
                "description": "File name endings whose contents are searched for tokens outside skip-content-paths.",
            },
            "skip-content-paths": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": DEFAULT_SKIP_CONTENT_PATHS,
                "description": "Globs of library folders searched only for credential files by name.",
            },
            "git-folders": {"type": "boolean", "default": True, "description": "Report .git folders."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    options = ctx.options
    allowed = glob_matcher(options.get("allow-paths", DEFAULT_ALLOW_PATHS))
    allow_values = compile_patterns(options.get("allow-patterns", []), "IM004", "allow-patterns")
    if options.get("git-folders", True):
        yield from _git_folders(image, ctx.dockerfile, allowed)
    max_bytes = int(options.get("max-file-bytes", 1048576))
    scanned: dict[tuple, list[SecretMatch]] = {}  # hardlinks share their bytes: each content is searched once
    for candidate, data in _contents(image, select_candidates(image, options, allowed), max_bytes):
        if not data:
            continue
        key = (candidate.entry.data, candidate.kind, candidate.entry.path.endswith(_CODE_EXTENSIONS))
        matches = scanned.get(key)
        if matches is None:
            matches = _secrets_in(candidate, data)
            if allow_values:
                matches = [m for m in matches if not _allowed_value(m, data, allow_values)]
            scanned[key] = matches
        if matches:
            yield _violation(image, ctx.dockerfile, candidate, matches)


#: Candidates read at once: their entries and bytes are what this rule holds in memory (an image of a
#: million text files is read in batches, one pass over each layer per batch).
_BATCH_FILES, _BATCH_BYTES = 8192, 64 << 20


def _contents(image, candidates: Iterable[_Candidate], max_bytes: int) -> Iterator[tuple[_Candidate, bytes | None]]:
    """Each candidate with its first ``max_bytes`` bytes, read in batches of a bounded count and size."""
    batch: list[_Candidate] = []
    size = 0
    for candidate in candidates:
        batch.append(candidate)
        size += min(candidate.entry.data[2] if candidate.entry.data else 0, max_bytes)  # hardlinks: their target's size
        if len(batch) >= _BATCH_FILES or size >= _BATCH_BYTES:
            yield from zip(batch, image.read_entries([c.entry for c in batch], max_bytes=max_bytes))
            batch, size = [], 0
    if batch:
        yield from zip(batch, image.read_entries([c.entry for c in batch], max_bytes=max_bytes))


def select_candidates(image, options, allowed) -> Iterator[_Candidate]:
    """The file versions worth reading: credential files by name, text files outside library folders."""
    extensions = tuple(e.lower() for e in options.get("scan-extensions", DEFAULT_SCAN_EXTENSIONS))
    library = glob_matcher(options.get("skip-content-paths", DEFAULT_SKIP_CONTENT_PATHS))

    def wanted(path: str) -> bool:
        if credential_file_kind(path) is None and not (path.lower().endswith(extensions) and not library(path)):
            return False
        return not allowed(path)

    for path, entry in image.files.select(("file", "hardlink"), where=wanted):  # entries made for these only
        if entry.data is not None:
            yield _Candidate(entry, credential_file_kind(path), False)
    for versions in image.deleted.values():
        for entry in versions:
            if entry.type in ("file", "hardlink") and entry.data is not None and wanted(entry.path):
                yield _Candidate(entry, credential_file_kind(entry.path), True)


def _secrets_in(candidate: _Candidate, data: bytes) -> list[SecretMatch]:
    text = data.decode("latin-1")
    kind = candidate.kind
    if kind in _KEY_KINDS:
        return find_tokens(text)
    if kind is not None:
        return scan_credential_file(kind, text)
    if "\x00" in text[:8192]:
        return []
    found = find_tokens(text)
    if not candidate.entry.path.endswith(_CODE_EXTENSIONS):
        found += find_url_credentials(text)
    return found


def _allowed_value(match: SecretMatch, data: bytes, patterns: list[re.Pattern[str]]) -> bool:
    lines = data.decode("latin-1").splitlines()
    line = lines[match.line - 1] if 0 < match.line <= len(lines) else ""
    return any(p.search(match.value) or p.search(line) for p in patterns)


def _where(image, entry, hidden: bool) -> str:
    added = layer_label(image, entry.layer)
    if not hidden:
        return f"added by {added}"
    gone = deleted_by(entry, image)
    removed = f"; {layer_label(image, gone)} deleted or replaced it, but the bytes stay in the image" if gone is not None else ""
    return f"in {added}{removed}"


def _violation(image, dockerfile, candidate: _Candidate, matches: list[SecretMatch]) -> Violation:
    entry = candidate.entry
    first = matches[0]
    more = f" and {len(matches) - 1} more" if len(matches) > 1 else ""
    prefix = "a deleted version of " if candidate.hidden else ""
    message = (
        f"{prefix}{entry.path} contains a secret, {first.title} {redact(first.value)}, at line {first.line}{more}, "
        f"{_where(image, entry, candidate.hidden)}"
    )
    fix = (
        "keep the file out of the build context (.dockerignore) and pass credentials with "
        "`RUN --mount=type=secret`; deleting it in a later layer does not remove it; rotate the credential"
    )
    line, end_line = span_for(image, dockerfile, entry.layer)  # the layer holding the bytes
    return Violation(
        message,
        line=line,
        end_line=end_line,
        fix=fix,
        path_in_image=entry.path,
        details={
            **layer_details(image, entry.layer),
            "deleted": candidate.hidden,
            "secrets": [{"type": m.id, "line": m.line} for m in matches],
        },
    )


def _git_folders(image, dockerfile, allowed) -> Iterator[Violation]:
    reported: set[str] = set()
    found = [(e, False) for _, e in image.files.select(("dir",), where=lambda p: p.endswith("/.git"))]
    found += [(v, True) for p, vs in image.deleted.items() if p.endswith("/.git") for v in vs if v.type == "dir"]
    for entry, hidden in found:
        path = entry.path
        if path in reported or "/.git/" in path or allowed(path + "/"):
            continue
        if hidden and path in image.files and image.files[path].type == "dir":
            continue  # the final version is reported
        reported.add(path)
        prefix = "a deleted " if hidden else "a "
        line, end_line = span_for(image, dockerfile, entry.layer)
        yield Violation(
            f"{path} is {prefix}git repository folder, {_where(image, entry, hidden)}: its history, remotes and hooks ship with the image",
            line=line,
            end_line=end_line,
            fix="add `.git` to .dockerignore (or copy only the folders the image needs)",
            path_in_image=path,
            details={**layer_details(image, entry.layer), "deleted": hidden, "secrets": [{"type": "git-folder", "line": None}]},
        )
