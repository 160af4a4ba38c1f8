"""``@record``: a dataclass whose methods are not compiled when its module is imported.

``dataclasses.dataclass`` writes the source of ``__init__``, ``__repr__``,
``__eq__``, ``__hash__`` and, for a frozen class, ``__setattr__`` and
``__delattr__``, and compiles each one with ``exec`` when the class is
defined: about 0.1 ms a method, 0.5-1.5 ms a class. A one-file run defines
some 65 dataclasses, so that was 35 ms of the 0.18 s a cold ``check`` took.

``record`` lets ``dataclass`` do its bookkeeping only (the fields, their
defaults, ``__match_args__``; :func:`dataclasses.fields`,
:func:`dataclasses.replace` and :func:`dataclasses.asdict` work as before) and
gives the class methods made from closures over the field names instead: the
same behaviour (equality and ordering as tuples of the compared fields, hash of
the hashed ones, a frozen instance refuses assignment with
:class:`dataclasses.FrozenInstanceError`, ``__post_init__`` is called), without
compiling anything. A class made often (:data:`SPECIALIZE_AFTER` instances) then
gets the ``__init__`` dataclass would have written, compiled once: the generic one
costs about 1.5 us more per object, 0.2 s over the 419-file corpus' 128,000
objects. Only the options imagepolicy uses are offered: ``frozen``
and ``order``, and ``field()``'s ``default``, ``default_factory``, ``repr``,
``compare`` and ``hash``. A method the class defines itself is kept, as
``dataclass`` keeps it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, FrozenInstanceError

TYPE_CHECKING = False  # typing costs milliseconds to import; these names are for the type checker only
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")
else:
    def dataclass_transform(**_kwargs: object) -> Callable[[T], T]:
        """For type checkers only: ``record`` makes dataclasses (PEP 681)."""
        return lambda function: function


#: Instances of a class made through the generic ``__init__`` before it is replaced by a compiled one.
SPECIALIZE_AFTER = 200


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: Any = None, /, *, frozen: bool = False, order: bool = False) -> Any:
    """Make ``cls`` a dataclass (``@record`` or ``@record(frozen=True, order=True)``) without compiling methods."""

    def wrap(cls: type[T]) -> type[T]:
        return _process(cls, frozen, order)

    return wrap if cls is None else wrap(cls)


def _process(cls: Any, frozen: bool, order: bool) -> Any:
    own = cls.__dict__
    explicit_hash = own.get("__hash__", MISSING)
    has_explicit_hash = not (explicit_hash is MISSING or (explicit_hash is None and "__eq__" in own))
    for name in ("__lt__", "__le__", "__gt__", "__ge__") if order else ():
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}. Consider using functools.total_ordering")
    if frozen and ("__setattr__" in own or "__delattr__" in own):
        raise TypeError(f"Cannot overwrite attribute __setattr__ in class {cls.__name__}")
    documented = bool(own.get("__doc__"))
    if not documented:
        cls.__doc__ = cls.__name__  # dataclass would read the signature for it (inspect.signature: slow)
    # The bookkeeping only: fields, defaults as class attributes, __match_args__; no method written.
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    params = cls.__dataclass_params__  # what the class is, for dataclass's checks of subclasses
    params.init = params.repr = params.eq = True
    params.order, params.frozen = order, frozen
    fields = list(dataclasses.fields(cls))
    names = tuple(f.name for f in fields)
    _set(cls, "__init__", _init(cls, fields, frozen))
    _set(cls, "__repr__", _repr(tuple(f.name for f in fields if f.repr)))
    compared = _getter(tuple(f.name for f in fields if f.compare))
    _set(cls, "__eq__", _eq(compared))
    if order:
        for name, test in (("__lt__", _lt), ("__le__", _le), ("__gt__", _gt), ("__ge__", _ge)):
            _set(cls, name, _compare(name, test, compared))
    if frozen:
        cls.__setattr__, cls.__delattr__ = _frozen(cls, frozenset(names))
    if not has_explicit_hash:
        # As dataclass(eq=True): frozen instances hash their fields, mutable ones are unhashable.
        cls.__hash__ = _hash(_getter(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))) if frozen else None
    if not documented:
        cls.__doc__ = f"{cls.__name__}({', '.join(names)})"
    return cls


def _set(cls: Any, name: str, function: Any) -> None:
    """Add a method unless the class defines it (as dataclass does); name it as a method of ``cls``."""
    if name in cls.__dict__:
        return
    function.__name__ = name
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    setattr(cls, name, function)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """A function giving the tuple of ``names``' values (a 1-tuple for one name, as dataclass compares)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    from operator import attrgetter

    return attrgetter(*names)


def _init(cls: Any, fields: list, frozen: bool) -> Callable[..., None]:
    names = tuple(f.name for f in fields)
    count = len(names)
    defaults = {f.name: f.default for f in fields if f.default is not MISSING}
    factories = tuple((f.name, f.default_factory) for f in fields if f.default_factory is not MISSING)
    required = tuple(n for n in names if n not in defaults and all(n != name for name, _ in factories))
    known = frozenset(names)
    post_init = getattr(cls, "__post_init__", None) is not None
    # Straight into the instance's __dict__ unless assignment does more (a __setattr__, a descriptor).
    direct = frozen or (cls.__setattr__ is object.__setattr__ and not any(
        hasattr(type(c.__dict__.get(n)), "__set__") for c in cls.__mro__ for n in names if n in c.__dict__))
    qualname = f"{cls.__qualname__}.__init__"
    calls = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == SPECIALIZE_AFTER and cls.__dict__.get("__init__") is __init__:
            # A class made often: the generic code would cost more than compiling the usual one once.
            cls.__init__ = _compiled_init(cls, names, defaults, dict(factories), direct, post_init)
        if len(args) > count:
            raise TypeError(f"{qualname}() takes {count + 1} positional arguments but {len(args) + 1} were given")
        values = dict(zip(names, args))
        if kwargs:
            if not known.issuperset(kwargs):
                unknown = next(n for n in kwargs if n not in known)
                raise TypeError(f"{qualname}() got an unexpected keyword argument {unknown!r}")
            if args and not values.keys().isdisjoint(kwargs):
                twice = next(n for n in kwargs if n in values)
                raise TypeError(f"{qualname}() got multiple values for argument {twice!r}")
            values.update(kwargs)
        if len(values) < count:
            missing = [n for n in required if n not in values]
            if missing:
                raise TypeError(f"{qualname}() missing {len(missing)} required argument{'s' * (len(missing) > 1)}: "
                                + ", ".join(repr(n) for n in missing))
            for name, factory in factories:
                if name not in values:
                    values[name] = factory()
            values = {name: values[name] if name in values else defaults[name] for name in names}
        elif kwargs:
            values = {name: values[name] for name in names}
        # Assigned in the order of the fields, as dataclass's __init__ does.
        if direct:
            self.__dict__.update(values)
        else:
            for name, value in values.items():
                setattr(self, name, value)
        if post_init:
            self.__post_init__()

    return __init__


def _compiled_init(cls: Any, names: tuple[str, ...], defaults: dict[str, Any], factories: dict[str, Any],
                   direct: bool, post_init: bool) -> Callable[..., None]:
    """The ``__init__`` dataclass would write (keyword or positional parameters, defaults, factories), compiled."""
    params, lines = [], []
    for name in names:
        if name in defaults:
            params.append(f"{name}=_defaults[{name!r}]")
        elif name in factories:
            params.append(f"{name}=_MISSING")
            lines.append(f"  if {name} is _MISSING: {name} = _factories[{name!r}]()")
        else:
            params.append(name)
    if direct:
        lines.append(f"  self.__dict__.update({', '.join(f'{n}={n}' for n in names)})" if names else "  pass")
    else:
        lines.extend(f"  self.{name} = {name}" for name in names)
    if post_init:
        lines.append("  self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines or ["  pass"]) + "\n"
    namespace: dict[str, Any] = {"_defaults": defaults, "_factories": factories, "_MISSING": MISSING}
    exec(source, namespace)  # noqa: S102 - source made here from the class's field names only
    function = namespace["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    import threading

    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = (id(self), threading.get_ident())
        if key in running:
            return "..."
        running.add(key)
        try:
            return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"
        finally:
            running.discard(key)

    return __repr__


def _eq(values: Callable[[Any], tuple]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _lt(a: tuple, b: tuple) -> bool:
    return a < b


def _le(a: tuple, b: tuple) -> bool:
    return a <= b


def _gt(a: tuple, b: tuple) -> bool:
    return a > b


def _ge(a: tuple, b: tuple) -> bool:
    return a >= b


def _compare(name: str, test: Callable[[tuple, tuple], bool], values: Callable[[Any], tuple]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return test(values(self), values(other))
        return NotImplemented

    return compare


def _hash(values: Callable[[Any], tuple]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen(cls: Any, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __delattr__.__qualname__ = f"{cls.__qualname__}.__delattr__"
    return __setattr__, __delattr__
