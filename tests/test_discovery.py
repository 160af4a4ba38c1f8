"""Recursive discovery: ``imagepolicy check DIR`` finds Dockerfiles and skips what git ignores (hadolint #283)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imagepolicy import discovery
from imagepolicy.discovery import discover_dockerfiles, is_dockerfile_name

DOCKERFILE = "FROM alpine:3.19\nUSER 1000\n"


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) below ``root``; a text of None makes a folder."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def found(root: Path, start: Path | None = None) -> list[str]:
    return [p.relative_to(root).as_posix() for p in discover_dockerfiles(start or root)]


def test_finds_every_dockerfile_name_sorted(tmp_path):
    tree(tmp_path, {
        "Dockerfile": DOCKERFILE,
        "Containerfile": DOCKERFILE,
        "api/api.Dockerfile": DOCKERFILE,
        "api/Dockerfile.dev": DOCKERFILE,
        "api/Containerfile.ci": DOCKERFILE,
        "api/Dockerfile.dockerignore": "*.md\n",
        "api/notes.txt": "",
        "api/Dockerfiles.md": "",
        ".devcontainer/Dockerfile": DOCKERFILE,
    })
    assert found(tmp_path) == [
        ".devcontainer/Dockerfile",
        "Containerfile",
        "Dockerfile",
        "api/Containerfile.ci",
        "api/Dockerfile.dev",
        "api/api.Dockerfile",
    ]


def test_tool_and_vcs_folders_are_never_walked(tmp_path):
    tree(tmp_path, {
        "node_modules/pkg/Dockerfile": DOCKERFILE,
        ".venv/lib/Dockerfile": DOCKERFILE,
        ".git/Dockerfile": DOCKERFILE,
        "app/Dockerfile": DOCKERFILE,
    })
    assert found(tmp_path) == ["app/Dockerfile"]


def test_gitignore_patterns_negation_and_folders(tmp_path):
    tree(tmp_path, {
        ".gitignore": "# generated images\n*.gen.Dockerfile\n!keep.gen.Dockerfile\nbuild/\n/out\n\n",
        "keep.gen.Dockerfile": DOCKERFILE,
        "drop.gen.Dockerfile": DOCKERFILE,
        "build/Dockerfile": DOCKERFILE,  # folder pattern, at any depth
        "svc/build/Dockerfile": DOCKERFILE,
        "out/Dockerfile": DOCKERFILE,  # anchored: only the top out/
        "svc/out/Dockerfile": DOCKERFILE,
        "svc/Dockerfile": DOCKERFILE,
    })
    assert found(tmp_path) == ["keep.gen.Dockerfile", "svc/Dockerfile", "svc/out/Dockerfile"]


def test_nested_gitignore_is_relative_to_its_folder_and_wins(tmp_path):
    tree(tmp_path, {
        ".gitignore": "Dockerfile.local\n",
        "a/.gitignore": "/legacy/\n!Dockerfile.local\n",
        "a/legacy/Dockerfile": DOCKERFILE,
        "a/Dockerfile.local": DOCKERFILE,  # re-included by the deeper file
        "b/legacy/Dockerfile": DOCKERFILE,  # a/'s rule does not reach b/
        "b/Dockerfile.local": DOCKERFILE,
    })
    assert found(tmp_path) == ["a/Dockerfile.local", "b/legacy/Dockerfile"]


def test_double_star_patterns(tmp_path):
    tree(tmp_path, {
        ".gitignore": "**/fixtures/**\ndocs/**/Dockerfile\n",
        "fixtures/Dockerfile": DOCKERFILE,
        "x/fixtures/y/Dockerfile": DOCKERFILE,
        "docs/Dockerfile": DOCKERFILE,
        "docs/a/b/Dockerfile": DOCKERFILE,
        "docs/a/Containerfile": DOCKERFILE,
    })
    assert found(tmp_path) == ["docs/a/Containerfile"]


def test_git_info_exclude_and_parent_gitignore_apply_inside_a_work_tree(tmp_path):
    tree(tmp_path, {
        ".git/info/exclude": "scratch/\n",
        ".gitignore": "services/old/\n",
        "services/old/Dockerfile": DOCKERFILE,
        "services/new/Dockerfile": DOCKERFILE,
        "services/scratch/Dockerfile": DOCKERFILE,
    })
    assert found(tmp_path, tmp_path / "services") == ["services/new/Dockerfile"]


def test_gitignore_above_root_is_not_read_outside_a_work_tree(tmp_path):
    tree(tmp_path, {".gitignore": "old/\n", "services/old/Dockerfile": DOCKERFILE})
    assert found(tmp_path, tmp_path / "services") == ["services/old/Dockerfile"]


def test_a_folder_named_explicitly_is_walked_even_when_ignored(tmp_path):
    tree(tmp_path, {".git/HEAD": "", ".gitignore": "vendor/\n", "vendor/lib/Dockerfile": DOCKERFILE})
    assert found(tmp_path) == []
    assert found(tmp_path, tmp_path / "vendor") == ["vendor/lib/Dockerfile"]


def test_ignored_folders_are_pruned_not_walked(tmp_path, monkeypatch):
    tree(tmp_path, {".gitignore": "huge/\n", "huge/a/b/Dockerfile": DOCKERFILE, "app/Dockerfile": DOCKERFILE})
    walked = []
    real_scandir = os.scandir

    def spy(path):
        walked.append(Path(path).relative_to(tmp_path).as_posix())
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", spy)
    assert found(tmp_path) == ["app/Dockerfile"]
    assert sorted(walked) == [".", "app"]


def test_escapes_and_trailing_spaces(tmp_path):
    tree(tmp_path, {
        ".gitignore": "\\#hash.Dockerfile\nspaced.Dockerfile   \n\\!bang.Dockerfile\n",
        "#hash.Dockerfile": DOCKERFILE,
        "spaced.Dockerfile": DOCKERFILE,
        "!bang.Dockerfile": DOCKERFILE,
        "plain.Dockerfile": DOCKERFILE,
    })
    assert found(tmp_path) == ["plain.Dockerfile"]


GIT_TREE = {
    ".gitignore": "*.tmp.Dockerfile\n/generated/\ncache*/\n!cache-keep/\n**/third_party/**\n[Bb]uild/\nDockerfile.?\n",
    "deep/.gitignore": "*\n!*/\n!Dockerfile\n",
    "Dockerfile": DOCKERFILE,
    "x.tmp.Dockerfile": DOCKERFILE,
    "generated/Dockerfile": DOCKERFILE,
    "sub/generated/Dockerfile": DOCKERFILE,
    "cache1/Dockerfile": DOCKERFILE,
    "cache-keep/Dockerfile": DOCKERFILE,
    "src/third_party/lib/Dockerfile": DOCKERFILE,
    "Build/Dockerfile": DOCKERFILE,
    "build2/Dockerfile": DOCKERFILE,
    "Dockerfile.a": DOCKERFILE,
    "Dockerfile.ab": DOCKERFILE,
    "deep/Dockerfile": DOCKERFILE,
    "deep/Dockerfile.dev": DOCKERFILE,
    "deep/nested/Dockerfile": DOCKERFILE,
    "deep/nested/x.Dockerfile": DOCKERFILE,
}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_same_files_as_git(tmp_path):
    """On a tree exercising the pattern forms, the files found are the Dockerfiles git does not ignore."""
    tree(tmp_path, GIT_TREE)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=env)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--cached", "--exclude-standard"],
        cwd=tmp_path, check=True, capture_output=True, text=True, env=env,
    ).stdout.split()
    expected = sorted(p for p in listed if is_dockerfile_name(p.rsplit("/", 1)[-1]))
    assert found(tmp_path) == expected
    assert "deep/nested/Dockerfile" in expected and "Build/Dockerfile" not in expected


def test_check_command_skips_ignored_dockerfiles(tmp_path):
    tree(tmp_path, {
        ".git/HEAD": "",
        ".gitignore": "dist/\n",
        "Dockerfile": "FROM alpine\n",
        "dist/Dockerfile": "FROM alpine\n",
    })
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", ".", "--no-config", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    files = {f["file"] for f in json.loads(proc.stdout)["findings"]}
    assert files == {"Dockerfile"}, proc.stderr


def test_only_ignored_dockerfiles_is_a_usage_error_naming_the_folder(tmp_path):
    tree(tmp_path, {".git/HEAD": "", ".gitignore": "*\n!.gitignore\n", "Dockerfile": "FROM alpine\n"})
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", "."], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "no Dockerfile" in proc.stderr
