"""``@record`` behaves as ``@dataclass`` for what imagepolicy's models use, before and after its ``__init__`` is compiled."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

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


def _bookkeeping(cls) -> tuple:
    """What dataclass records about a class: its fields (every attribute), defaults left on it, __match_args__."""
    fields = [(f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, dict(f.metadata),
               f.kw_only, f._field_type) for f in cls.__dataclass_fields__.values()]
    attributes = {name: cls.__dict__.get(name, "<absent>") for name in cls.__dataclass_fields__}
    return fields, attributes, cls.__match_args__


def test_plain_bookkeeping_is_dataclass_s():
    """The fast path records what dataclass(init=False, repr=False, eq=False) does; other classes go to dataclass."""

    def make():
        class Base:
            inherited = 7  # not a dataclass: its attribute becomes a field's default, as dataclass reads it

        class Plain(Base):
            name: str
            inherited: int
            line: int = 0
            tags: list = field(default_factory=list)
            note: str = field(default="", compare=False, repr=False, hash=False, metadata={"k": 1})
            hidden: int = field(default=1, init=False)
            required: str = field(repr=False)

        return Plain

    theirs = dataclass(make(), init=False, repr=False, eq=False)
    ours = make()
    assert records._plain_bookkeeping(ours)
    assert _bookkeeping(ours) == _bookkeeping(theirs)

    class WithClassVar:
        kind: ClassVar[str] = "x"  # a string annotation here (`from __future__ import annotations`)

    assert not records._plain_bookkeeping(WithClassVar)  # left to dataclass
    with pytest.raises(ValueError, match="mutable default"):

        class Shared:
            items: list = []  # noqa: RUF012

        records._plain_bookkeeping(Shared)
    with pytest.raises(TypeError, match="no type annotation"):

        class Unannotated:
            value = field(default=1)

        records._plain_bookkeeping(Unannotated)


def test_the_models_take_the_plain_path():
    """No model class of a cold check's path falls back to dataclass's slower bookkeeping (a fresh interpreter)."""
    import subprocess
    import sys

    script = (
        "import dataclasses\n"
        "calls = []\n"
        "real = dataclasses.dataclass\n"
        "def spy(cls=None, /, **kwargs):\n"
        "    calls.append(getattr(cls, '__qualname__', cls))\n"
        "    return real(cls, **kwargs)\n"
        "dataclasses.dataclass = spy\n"
        "import imagepolicy.model, imagepolicy.engine, imagepolicy.config, imagepolicy.dockerfile, imagepolicy.shellcmd\n"
        "print(calls)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout
