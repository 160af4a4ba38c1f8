"""``@record`` behaves as ``@dataclass`` for what imagepolicy's models use, before and after its ``__init__`` is compiled."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import pytest

from imagepolicy import records
from imagepolicy.records import record


def _pair(frozen: bool, order: bool = False):
    """The same class made by dataclass and by record."""
    made = []
    for decorate in (dataclass(frozen=frozen, order=order), record(frozen=frozen, order=order)):

        class Item:
            """An item."""

            name: str
            line: int = 0
            tags: list = field(default_factory=list)
            note: str = field(default="", compare=False, repr=False)

            def __post_init__(self) -> None:
                if self.line < 0:
                    raise ValueError("negative line")

        made.append(decorate(Item))
    return made


@pytest.mark.parametrize("frozen", [True, False])
def test_record_matches_dataclass(frozen):
    for compiled in (False, True):  # the generic __init__, then the one compiled for a class made often
        original, ours = _pair(frozen)
        for cls in (original, ours):
            for _ in range(records.SPECIALIZE_AFTER + 1 if compiled else 1):
                cls("warm")
        assert ("args" not in ours.__init__.__code__.co_varnames) == compiled
        args = [("a",), ("a", 3), ("a",), ()]
        kwargs = [{}, {"tags": [1]}, {"line": 2, "note": "n"}, {"name": "b", "tags": [2]}]
        for a, k in zip(args, kwargs):
            x, y = original(*a, **k), ours(*a, **k)
            assert repr(x) == repr(y)
            assert vars(x) == vars(y) and list(vars(x)) == list(vars(y))
            assert dataclasses.asdict(x) == dataclasses.asdict(y)
        assert ours("a", 1, [], "x") == ours("a", 1, [], "y")  # note is not compared
        assert ours("a") != ours("b") and ours("a") != original("a")
        assert ours("a").tags is not ours("a").tags  # a fresh list each time
        assert [f.name for f in dataclasses.fields(ours)] == ["name", "line", "tags", "note"]
        assert dataclasses.replace(ours("a", 1), line=5) == ours("a", 5)
        assert ours.__match_args__ == original.__match_args__
        with pytest.raises(ValueError, match="negative line"):
            ours("a", -1)
        for bad_args, bad_kwargs, message in [((), {}, "missing 1 required"), (("a",), {"name": "b"}, "multiple values"),
                                              (("a",), {"nope": 1}, "unexpected keyword"), (("a", 1, [], "", 5), {}, "positional")]:
            with pytest.raises(TypeError, match=message):
                ours(*bad_args, **bad_kwargs)


def test_frozen_record_refuses_assignment_and_hashes_like_dataclass():
    original, ours = _pair(True)
    item = ours("a", 1, (), "n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.line = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del item.name
    assert hash(item) == hash(original("a", 1, (), "n")) == hash(ours("a", 1, (), "other"))
    assert copy.deepcopy(item) == item and copy.copy(item) == item

    @dataclass(frozen=True)
    class Child(ours):  # a plugin may subclass a model with dataclass
        extra: int = 0

    assert Child("a", extra=1).extra == 1


def test_mutable_record_is_unhashable_and_order_compares_fields():
    _, ours = _pair(False)
    item = ours("a")
    item.line = 4
    assert item.line == 4
    with pytest.raises(TypeError):
        hash(item)
    _, ordered = _pair(True, order=True)
    assert sorted([ordered("b"), ordered("a", 2), ordered("a", 1)]) == [ordered("a", 1), ordered("a", 2), ordered("b")]
    with pytest.raises(TypeError):
        ordered("a") < 1  # noqa: B015 - the comparison raises


def test_record_keeps_methods_the_class_defines():
    @record(frozen=True)
    class Own:
        value: int

        def __repr__(self) -> str:
            return "own"

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    assert repr(Own(1)) == "own" and Own(1) == Own(2)


def _other_pythons() -> list[str]:
    """CPython interpreters on this machine, other than the running one, that pyproject's requires-python admits."""
    import glob
    import os
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    floor = re.search(r'requires-python\s*=\s*">=(\d+)\.(\d+)"', (Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert floor, "pyproject.toml states requires-python as >=X.Y"
    candidates = [shutil.which(f"python3.{minor}") for minor in range(int(floor[2]), 20)]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))
    found: dict[tuple[int, int], str] = {}
    for exe in filter(None, candidates):
        probe = subprocess.run([exe, "-I", "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True)
        if probe.returncode != 0:
            continue
        version = tuple(int(n) for n in probe.stdout.split())
        if version >= (int(floor[1]), int(floor[2])) and version != sys.version_info[:2]:
            found.setdefault(version, exe)  # type: ignore[arg-type]
    return [found[v] for v in sorted(found)]


def test_records_and_the_models_work_on_every_supported_python_found_here(tmp_path):
    """``@record`` leans on dataclass's bookkeeping, which changes between Python versions: the models must load,
    and a record behave, on every CPython requires-python admits. Runs on the interpreters this machine has
    (other than the one running the tests); the modules need nothing but the standard library."""
    import os
    import subprocess
    from pathlib import Path

    import imagepolicy

    pythons = _other_pythons()
    if not pythons:
        pytest.skip("no other CPython that requires-python admits is installed here")
    (tmp_path / "imagepolicy").symlink_to(Path(imagepolicy.__file__).parent, target_is_directory=True)
    script = (
        "import sys, dataclasses\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import imagepolicy.model, imagepolicy.config, imagepolicy.dockerfile, imagepolicy.shellcmd\n"
        "from imagepolicy.records import record\n"
        "@record(frozen=True, order=True)\n"
        "class Item:\n"
        "    name: str\n"
        "    line: int = 0\n"
        "a, b = Item('a', 2), Item('a', 1)\n"
        "assert sorted([a, b]) == [b, a] and hash(a) == hash(Item('a', 2)) and dataclasses.replace(a, line=1) == b\n"
        "print('ok')\n"
    )
    for exe in pythons:
        proc = subprocess.run([exe, "-I", "-c", script], capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", f"{exe}:\n{proc.stderr[-2000:]}"
