"""The documentation keeps up with the code: generated rule pages, the module map, commands, links.

``docs/rules/`` is the output of ``imagepolicy docs --output docs``; ARCHITECTURE.md's module
map names every module of ``policy/`` and ``plugins/``; docs/usage.md shows every command and
flag, and every command line the docs show is one the CLI accepts; every relative link in the
Markdown files points at a file (and heading) that exists.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from imagepolicy import ruledocs
from imagepolicy.cli import build_parser, main
from ruletest import registry

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def test_rule_pages_are_generated_from_the_rules(tmp_path, capsys):
    assert main(["docs", "--output", str(tmp_path)]) == 0
    assert "imagepolicy: wrote" in capsys.readouterr().err
    fresh = ruledocs.generated_files(tmp_path)
    committed = ruledocs.generated_files(DOCS)
    assert sorted(committed) == sorted(fresh), "run `imagepolicy docs --output docs` (and git add docs/rules)"
    stale = [path for path in fresh if committed[path] != fresh[path]]
    assert not stale, f"run `imagepolicy docs --output docs`: {stale[:5]} changed"


def test_every_rule_has_a_page_with_its_docs_and_options():
    reg = registry()
    index = (DOCS / "rules" / "README.md").read_text(encoding="utf-8")
    for rule in reg.rules:
        page = (DOCS / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        assert page.splitlines()[1] == f"# {rule.code} {rule.name}"
        assert rule.docs.strip() in page
        for option in ((rule.options or {}).get("properties") or {}):
            assert f"| `{option}` |" in page, (rule.code, option)
        assert f"[`{rule.code}`]({rule.code}.md)" in index


def test_docs_replaces_its_own_pages_and_leaves_others_alone(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "XX999.md").write_text(f"{ruledocs.MARKER} from a rule that is gone -->\n# XX999\n")
    (rules / "notes.md").write_text("# Notes a person wrote\n")
    assert main(["docs", "--output", str(tmp_path)]) == 0
    assert "removed 1 page of rules that no longer exist" in capsys.readouterr().err
    assert not (rules / "XX999.md").exists()
    assert (rules / "notes.md").read_text() == "# Notes a person wrote\n"
    assert (rules / "PY001.md").read_text().startswith(ruledocs.MARKER)


def test_docs_refuses_a_file_as_its_folder(tmp_path, capsys):
    (tmp_path / "docs").write_text("")
    assert main(["docs", "--output", str(tmp_path / "docs")]) == 2
    assert "not a folder" in capsys.readouterr().err


# --- ARCHITECTURE.md --------------------------------------------------------------------------


def test_architecture_module_map_names_every_module():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"^\| `((?:policy|plugins)/[^`]+\.py)` \|", text, re.M))
    rule_modules = {ruledocs.source_path(rule) for rule in registry().rules}
    missing = []
    for path in sorted(p.relative_to(REPO).as_posix() for folder in ("policy", "plugins") for p in (REPO / folder).rglob("*.py")):
        if path in mapped:
            continue
        if path in rule_modules and f"{path.rsplit('/', 1)[0]}/<code>_<slug>.py" in mapped:
            continue
        missing.append(path)
    assert not missing, f"add these modules to ARCHITECTURE.md's module map, one line each: {missing}"
    gone = [path for path in mapped if "<code>" not in path and not (REPO / path).is_file()]
    assert not gone, f"ARCHITECTURE.md maps modules that do not exist: {gone}"


# --- commands and flags -----------------------------------------------------------------------


def _commands() -> dict[str, set[str]]:
    """Each subcommand with its long flags (``--help`` aside)."""
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: {o for a in p._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
            for name, p in sub.choices.items()}


def test_usage_page_shows_every_command_with_every_flag():
    page = (DOCS / "usage.md").read_text(encoding="utf-8")
    for name, flags in _commands().items():
        assert f"\n## `imagepolicy {name}`\n" in page, f"docs/usage.md has no section for `imagepolicy {name}`"
        section = page.split(f"\n## `imagepolicy {name}`\n", 1)[1].split("\n## ", 1)[0]
        synopsis = re.search(r"```text\n(.*?)```", section, re.S)
        assert synopsis, f"docs/usage.md: `imagepolicy {name}` has no synopsis"
        shown = set(re.findall(r"--[a-z][a-z-]*", synopsis.group(1)))
        assert flags == shown, f"`imagepolicy {name}`: missing {sorted(flags - shown)}, unknown {sorted(shown - flags)}"


def _command_lines(path: Path) -> list[str]:
    """``imagepolicy SUBCOMMAND ...`` lines in the shell, console and text blocks of a Markdown file."""
    found = []
    for block in re.findall(r"^```(?:sh|console|text)\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S):
        for line in block.splitlines():
            match = re.search(r"(?:^|[\s/$])imagepolicy ([a-z][a-z-]*)([^#\n]*)", line)
            if match and not line.lstrip().startswith("#"):
                found.append(match.group(0).strip())
    return found


def test_every_command_line_in_the_docs_is_one_the_cli_accepts():
    commands = _commands()
    pages = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]
    wrong = []
    for page in pages:
        for line in _command_lines(page):
            name = re.search(r"imagepolicy ([a-z][a-z-]*)", line).group(1)
            flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))
            if name not in commands or not flags <= commands[name]:
                wrong.append(f"{page.relative_to(REPO)}: {line}")
    assert not wrong, wrong


# --- links ------------------------------------------------------------------------------------


def _markdown_files() -> list[Path]:
    return sorted([*REPO.glob("*.md"), *DOCS.rglob("*.md"), REPO / "benchmarks" / "README.md"])


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file (and explicit ids)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    found = set(re.findall(r'<a id="([^"]+)"', text))
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_point_at_files_and_headings_that_exist(path):
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(target)
    assert not broken, f"{path.relative_to(REPO)}: broken links {broken}"
