"""The Dockerfile model every Dockerfile rule reads.

Lines are split into instructions the way BuildKit's parser does (its
``parser.go``): dockerfile-parse, which the design named, ends an instruction
at a blank line inside a continuation, knows no heredocs and reads ``escape``
directives differently, so it serves only as a test oracle
(``tests/test_dockerfile_model.py`` checks both agree on plain files). On top
of that split, this package adds the semantics a builder applies: parser directives, heredocs, stages and their
parents, ARG/ENV resolution (ARG before FROM, ``--build-arg``), WORKDIR, SHELL
and USER in force at each instruction, ``RUN --mount`` and COPY/ADD flags,
inline pragmas, and a file timeline that answers "which build-context paths
exist at this image path when this instruction runs?".

Rules never read raw text: they read :class:`Dockerfile`, :class:`Stage` and
:class:`Instruction`.

The package's modules: :mod:`.parser` (line splitting, directives, heredocs,
instructions and their semantics), :mod:`.lexer` (BuildKit's word splitting
and variable expansion), :mod:`.model` (the classes rules read) and
:mod:`.timeline` (which files exist when). Every public name is importable
from ``imagepolicy.dockerfile``.
"""

from __future__ import annotations

from .lexer import expand_variables, process_word, process_words, raw_assignments, raw_words
from .model import (
    AUTOMATIC_ARGS,
    DEFAULT_SHELL,
    KNOWN_INSTRUCTIONS,
    Dockerfile,
    Heredoc,
    Instruction,
    Mount,
    Pragma,
    Stage,
    iter_run_instructions,
)
from .parser import VALID_DIRECTIVES, parse_dockerfile
from .timeline import Provider

__all__ = [
    "AUTOMATIC_ARGS",
    "DEFAULT_SHELL",
    "KNOWN_INSTRUCTIONS",
    "VALID_DIRECTIVES",
    "Dockerfile",
    "Heredoc",
    "Instruction",
    "Mount",
    "Pragma",
    "Provider",
    "Stage",
    "expand_variables",
    "iter_run_instructions",
    "parse_dockerfile",
    "process_word",
    "process_words",
    "raw_assignments",
    "raw_words",
]
