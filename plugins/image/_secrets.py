"""The secret pattern library shared by IM003 (secret-in-env) and IM004 (secret-in-layer).

Not a rule module (leading underscore). Three kinds of detection:

* **token patterns** (:data:`PATTERNS`): values whose shape alone says they are
  credentials (``AKIA...`` AWS key ids, ``ghp_`` GitHub tokens, PEM private
  keys, ...). Pattern ids follow trivy's built-in secret rule ids where trivy
  has the same rule, so findings can be matched against trivy output.
* **secret names** (:func:`is_secret_name`): ``DB_PASSWORD``, ``API_KEY``,
  ``NPM_TOKEN``: a non-empty, non-placeholder value under such a name is
  suspicious, not certain.
* **credential files** (:func:`credential_file_kind`, :func:`scan_credential_file`):
  ``.npmrc``, ``.pypirc``, ``.netrc``, ``.git-credentials``, ``.docker/config.json``,
  ``.aws/credentials``, ``.env``, ``.pgpass``, SSH private keys: judged by their
  format, so an ``.npmrc`` with only a registry URL is fine.

Known example values (AWS's ``AKIAIOSFODNN7EXAMPLE``, anything containing
``EXAMPLE``, ``xxxx``, ``${VAR}``, ``<token>``, ``changeme``) never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator


@dataclass(frozen=True)
class SecretPattern:
    """A credential recognisable by its shape; ``keywords`` gate the regex (cheap pre-filter)."""

    id: str
    title: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...]
    group: int = 0


@dataclass(frozen=True)
class SecretMatch:
    """One secret found in a text: which rule, the value, the 1-based line."""

    id: str
    title: str
    value: str
    line: int


def _p(id_: str, title: str, regex: str, keywords: Iterable[str], group: int = 0) -> SecretPattern:
    return SecretPattern(id_, title, re.compile(regex), tuple(keywords), group)


_B = r"(?<![A-Za-z0-9_])"  # start of a word
_E = r"(?![A-Za-z0-9_])"  # end of a word

PATTERNS: tuple[SecretPattern, ...] = (
    _p("aws-access-key-id", "AWS access key ID", _B + r"((?:AKIA|ASIA)[A-Z0-9]{16})" + _E, ("AKIA", "ASIA"), 1),
    _p(
        "aws-secret-access-key",
        "AWS secret access key",
        r"(?i)aws_?(?:secret)?_?(?:access)?_?key[\"']?\s*(?::|=>|=)\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        ("aws", "AWS", "Aws"),
        1,
    ),
    _p("github-pat", "GitHub personal access token", _B + r"(ghp_[0-9a-zA-Z]{36})" + _E, ("ghp_",), 1),
    _p("github-oauth", "GitHub OAuth access token", _B + r"(gho_[0-9a-zA-Z]{36})" + _E, ("gho_",), 1),
    _p("github-app-token", "GitHub app token", _B + r"((?:ghu|ghs)_[0-9a-zA-Z]{36})" + _E, ("ghu_", "ghs_"), 1),
    _p("github-refresh-token", "GitHub refresh token", _B + r"(ghr_[0-9a-zA-Z]{76})" + _E, ("ghr_",), 1),
    _p("github-fine-grained-pat", "GitHub fine-grained personal access token", r"(github_pat_[a-zA-Z0-9]{22}_[a-zA-Z0-9]{59})", ("github_pat_",), 1),
    _p("gitlab-pat", "GitLab personal access token", _B + r"(glpat-[0-9a-zA-Z_-]{20})" + _E, ("glpat-",), 1),
    _p("slack-access-token", "Slack token", _B + r"(xox[baprs]-[0-9a-zA-Z-]{10,48})", ("xox",), 1),
    _p("slack-web-hook", "Slack webhook URL", r"(https://hooks\.slack\.com/services/[A-Za-z0-9+/]{44,48})", ("hooks.slack.com",), 1),
    _p("npm-access-token", "npm access token", _B + r"(npm_[A-Za-z0-9]{36})" + _E, ("npm_",), 1),
    _p("pypi-upload-token", "PyPI upload token", r"(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000})", ("pypi-AgEIcHlwaS5vcmc",), 1),
    _p("stripe-secret-token", "Stripe secret key", _B + r"((?:sk|rk)_live_[0-9a-zA-Z]{24,99})" + _E, ("_live_",), 1),
    _p("hugging-face-access-token", "Hugging Face access token", _B + r"(hf_[A-Za-z0-9]{34,40})" + _E, ("hf_",), 1),
    _p(
        "azure-storage-account-key",
        "Azure storage account key",
        r"AccountKey=([A-Za-z0-9+/]{86}==)",
        ("AccountKey=",),
        1,
    ),
    _p(
        "private-key",
        "private key",
        r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)[ \t]*\r?\n(?:[A-Za-z-]+: [^\n]*\n)*\s*([A-Za-z0-9+/=]{32,})",
        ("PRIVATE KEY",),
        1,
    ),
    _p(
        "gcp-service-account",
        "Google Cloud service account key",
        r"\"type\"\s*:\s*\"service_account\"[\s\S]{0,4000}?\"private_key\"\s*:\s*\"(-----BEGIN)",
        ("service_account",),
        1,
    ),
)

#: Values published in vendor documentation as examples; never secrets.
KNOWN_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    }
)

_PLACEHOLDER_WORDS = frozenset(
    {
        "password", "passwd", "pass", "secret", "token", "changeme", "change-me", "change_me", "changeit",
        "example", "sample", "dummy", "fake", "test", "testing", "none", "null", "nil", "false", "true",
        "todo", "tbd", "placeholder", "redacted", "your-token", "your_token", "yourtoken", "mysecretpassword",
        "required", "undefined", "empty", "default", "secret123", "***", "...",
    }
)
_PLACEHOLDER_RE = re.compile(
    r"""^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}?   # ${VAR}, $VAR, ${VAR:-x}
      | \$\(.*\)                                          # $(command)
      | \{\{.*\}\}                                        # {{ template }}
      | <[^<>]*>                                          # <your token>
      | %\(?[A-Za-z_]*\)?s                                # %s, %(name)s
      | /run/secrets/.*                                   # a docker secret file path
      )$""",
    re.X,
)


def is_placeholder(value: str) -> bool:
    """True for values that stand in for a secret rather than being one."""
    v = value.strip().strip("\"'")
    if not v:
        return True
    if v in KNOWN_EXAMPLES or "example" in v.lower():
        return True
    if v.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER_RE.match(v):
        return True
    if len(set(v.lower())) <= 2:  # xxxxxxxx, 00000000, ********
        return True
    return False


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


_ANY_KEYWORD = re.compile("|".join(sorted({re.escape(k) for p in PATTERNS for k in p.keywords}, key=len, reverse=True)))


def find_tokens(text: str, patterns: Iterable[SecretPattern] = PATTERNS) -> list[SecretMatch]:
    """Every value in ``text`` that matches a token pattern (first match per pattern and value)."""
    if patterns is PATTERNS and _ANY_KEYWORD.search(text) is None:
        return []  # the common case: one scan of the text instead of one per pattern
    found: list[SecretMatch] = []
    seen: set[tuple[str, str]] = set()
    for pattern in patterns:
        if not any(k in text for k in pattern.keywords):
            continue
        for m in pattern.regex.finditer(text):
            value = m.group(pattern.group)
            if pattern.id == "private-key":
                if "EXAMPLE" in m.group(2)[:200].upper():
                    continue
            elif pattern.id != "gcp-service-account" and is_placeholder(value):
                continue
            if (pattern.id, value) in seen:
                continue
            seen.add((pattern.id, value))
            found.append(SecretMatch(pattern.id, pattern.title, value, _line_of(text, m.start(pattern.group))))
    return found


# --- names ---------------------------------------------------------------------------------------

_SECRET_WORDS = frozenset({"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "APIKEY", "CREDENTIALS", "CREDENTIAL", "PWD"})
_SECRET_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY"), ("AUTH", "KEY"), ("CLIENT", "SECRET"), ("SIGNING", "KEY"), ("ENCRYPTION", "KEY"), ("MASTER", "KEY")})
# A last word that makes the variable point at a secret rather than hold it.
_REFERENCE_WORDS = frozenset(
    {"FILE", "PATH", "DIR", "FILENAME", "LOCATION", "HOST", "PORT", "URL", "URI", "ENDPOINT", "NAME", "USER", "USERNAME",
     "ID", "TYPE", "LENGTH", "SIZE", "TTL", "EXPIRY", "EXPIRES", "TIMEOUT", "HEADER", "ENABLED", "REQUIRED", "ALGORITHM", "MIN", "MAX", "POLICY"}
)
_NOT_SECRETS = frozenset({"PWD", "OLDPWD"})


def _words(name: str) -> list[str]:
    # split snake/kebab/dot and camelCase: dbPassword -> DB PASSWORD
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def is_secret_name(name: str) -> bool:
    """True for variable names that say they hold a credential (``DB_PASSWORD``, ``apiKey``)."""
    if name.upper() in _NOT_SECRETS:
        return False
    words = _words(name)
    if not words or words[-1] in _REFERENCE_WORDS:
        return False
    if any(w in _SECRET_WORDS for w in words if w != "PWD") or (words[-1] == "PWD" and len(words) > 1):
        return True
    return any(pair in _SECRET_PAIRS for pair in zip(words, words[1:]))


# --- URLs with credentials --------------------------------------------------------------------------

_URL_CREDENTIALS = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://([^\s:/@'\"]+):([^\s/@'\"]+)@[^\s/'\"@]+")


def find_url_credentials(text: str) -> list[SecretMatch]:
    """``scheme://user:password@host`` with a real-looking password."""
    found = []
    for m in _URL_CREDENTIALS.finditer(text):
        user, password = m.group(1), m.group(2)
        if is_placeholder(password) or is_placeholder(user) and user.lower() in ("user", "username"):
            continue
        found.append(SecretMatch("url-credentials", "URL with a password", m.group(0), _line_of(text, m.start())))
    return found


# --- credential files ---------------------------------------------------------------------------

_ENV_SAFE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".defaults", ".default", ".tpl", ".in")
_KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})


_CANDIDATE_NAME = re.compile(
    r"(?:\.npmrc|npmrc|\.pypirc|\.netrc|_netrc|\.git-credentials|config\.json|credentials|config|\.pgpass"
    r"|\.env.*|.*\.env|id_\w+|.*\.(?:pem|key|json)|[^.]*_key)",
    re.I,
)


def credential_file_kind(path: str) -> str | None:
    """The credential-file format ``path`` names, or None.

    Kinds: ``npmrc``, ``pypirc``, ``netrc``, ``git-credentials``, ``docker-config``,
    ``aws-credentials``, ``dotenv``, ``pgpass``, ``ssh-key``, ``key`` (``*.pem``/``*.key``/``*_key``),
    ``json-key`` (``*.json`` that may be a cloud service-account key).
    """
    name = path.rsplit("/", 1)[-1]
    if _CANDIDATE_NAME.fullmatch(name) is None:
        return None
    parent = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else ""
    lower = name.lower()
    if name == ".npmrc" or name == "npmrc" and parent == "etc":
        return "npmrc"
    if name == ".pypirc":
        return "pypirc"
    if name in (".netrc", "_netrc"):
        return "netrc"
    if name == ".git-credentials":
        return "git-credentials"
    if name == "config.json" and parent == ".docker":
        return "docker-config"
    if name in ("credentials", "config") and parent == ".aws":
        return "aws-credentials"
    if name == ".pgpass":
        return "pgpass"
    if (name == ".env" or name.startswith(".env.") or lower.endswith(".env")) and not lower.endswith(_ENV_SAFE_SUFFIXES):
        return "dotenv"
    if name in _KEY_NAMES:
        return "ssh-key"
    if lower.endswith((".pem", ".key")) or name.endswith("_key") and "." not in name:
        return "key"
    if lower.endswith(".json") and ("service" in lower or "credential" in lower or "gcp" in lower or "key" in lower):
        return "json-key"
    return None


_NPMRC = re.compile(r"(?m)^[ \t]*(?:\S*:)?(_authToken|_auth|_password)[ \t]*=[ \t]*(\S+)")
_PYPIRC = re.compile(r"(?m)^[ \t]*password[ \t]*[=:][ \t]*(\S+)")
_NETRC = re.compile(r"(?:^|\s)password\s+(\S+)")
_DOCKER = re.compile(r"\"(auth|identitytoken|registrytoken)\"\s*:\s*\"([^\"]+)\"")
_AWS = re.compile(r"(?mi)^[ \t]*(aws_secret_access_key|aws_session_token)[ \t]*=[ \t]*(\S+)")
_DOTENV = re.compile(r"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*?)[ \t]*$")


def _assignment_matches(kind: str, text: str) -> Iterator[SecretMatch]:
    if kind == "npmrc":
        for m in _NPMRC.finditer(text):
            if not is_placeholder(m.group(2)):
                yield SecretMatch("npmrc-auth", f".npmrc {m.group(1)}", m.group(2), _line_of(text, m.start(2)))
    elif kind == "pypirc":
        for m in _PYPIRC.finditer(text):
            if not is_placeholder(m.group(1)):
                yield SecretMatch("pypirc-password", ".pypirc password", m.group(1), _line_of(text, m.start(1)))
    elif kind == "netrc":
        for m in _NETRC.finditer(text):
            if not is_placeholder(m.group(1)):
                yield SecretMatch("netrc-password", ".netrc password", m.group(1), _line_of(text, m.start(1)))
    elif kind == "docker-config":
        for m in _DOCKER.finditer(text):
            if not is_placeholder(m.group(2)):
                yield SecretMatch("docker-config-auth", f"Docker registry credential ({m.group(1)})", m.group(2), _line_of(text, m.start(2)))
    elif kind == "aws-credentials":
        for m in _AWS.finditer(text):
            if not is_placeholder(m.group(2)):
                yield SecretMatch("aws-secret-access-key", f"AWS {m.group(1)}", m.group(2), _line_of(text, m.start(2)))
    elif kind == "pgpass":
        for number, line in enumerate(text.splitlines(), start=1):
            fields = re.split(r"(?<!\\):", line)
            if len(fields) == 5 and not line.lstrip().startswith("#") and not is_placeholder(fields[4]):
                yield SecretMatch("pgpass-password", ".pgpass password", fields[4], number)
    elif kind == "dotenv":
        for m in _DOTENV.finditer(text):
            value = m.group(2).strip("\"'")
            if is_secret_name(m.group(1)) and not is_placeholder(value):
                yield SecretMatch("dotenv-secret", f".env variable {m.group(1)}", value, _line_of(text, m.start(2)))


def scan_credential_file(kind: str | None, text: str) -> list[SecretMatch]:
    """Secrets in a file's text: the format's credential fields (for ``kind``), token patterns,
    and, in credential files, URLs with passwords. Deduplicated by value."""
    found: list[SecretMatch] = []
    if kind is not None:
        found.extend(_assignment_matches(kind, text))
    found.extend(find_tokens(text))
    if kind is not None:
        found.extend(find_url_credentials(text))
    unique: dict[str, SecretMatch] = {}
    for match in found:
        key = match.value
        if match.id == "gcp-service-account":
            unique = {k: v for k, v in unique.items() if v.id != "private-key"}
        elif match.id == "private-key" and any(v.id == "gcp-service-account" for v in unique.values()):
            continue
        unique.setdefault(key, match)
    return list(unique.values())


def redact(value: str) -> str:
    """The first 4 characters of a secret and its length, never the whole value."""
    value = value.strip()
    url = _URL_CREDENTIALS.fullmatch(value)
    if url:
        return value[: url.start(2)] + "****" + value[url.end(2) :]
    if value.startswith("-----BEGIN") or " " in value and "PRIVATE KEY" in value:
        return value.split("\n", 1)[0][:60]
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}\u2026({len(value)} chars)"
