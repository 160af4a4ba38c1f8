"""The Dockerfile plugin: hadolint's DL rules and BuildKit's build checks.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``dockerfile = "imagepolicy.plugins.dockerfile"``). Each
rule is one module named by its code and slug: ``dl3006_untagged_image.py``
keeps hadolint's code, ``bk001_stage_name_casing.py`` carries the BuildKit
check's name as an alias. They are collected in code order.

Where a BuildKit check is the same check as a hadolint rule, the DL rule carries
the BuildKit name as an alias and no BK rule exists: BK005 and BK011 are never
used (ReservedStageName is DL3063, RedundantTargetPlatform is DL3065), and
codes are never reused.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from imagepolicy import hookimpl
from imagepolicy.model import Option, Settings, Severity
from imagepolicy.rulepack import discover_rules


@lru_cache(maxsize=1)
def rules() -> tuple:
    return discover_rules(__name__, __path__, r"(dl\d{4}|bk\d{3})_[a-z0-9_]+")


@hookimpl
def imagepolicy_presets():
    """``buildkit``: every BuildKit build check, including those a DL rule overlaps
    (off by default to avoid two findings for one problem) and the experimental ones."""
    return {"buildkit": {"rules": {r.code: {} for r in rules() if r.code.startswith("BK")}}}


@hookimpl
def imagepolicy_rules():
    return list(rules())


@hookimpl
def imagepolicy_settings():
    """``settings: {dockerfile: ...}``: what several rules share, read by each as ``ctx.settings``."""
    from ._labels import LABEL_TYPES

    return Settings(
        "dockerfile",
        "Settings shared by the Dockerfile rules: trusted registries (DL3026) and the label schema (DL3049-DL3058)",
        (
            Option(
                "trusted-registries",
                {"type": "array", "items": {"type": "string", "minLength": 1}},
                [],
                "Registries base images may come from, as host globs (registry.example.com, *.internal.example; "
                "docker.io for Docker Hub); DL3026 is silent while the list is empty",
                moved_from=("trusted-registries",),
            ),
            Option(
                "label-schema",
                {"type": "object", "additionalProperties": {"enum": list(LABEL_TYPES)}},
                {},
                "Required labels and the type of their value (" + ", ".join(LABEL_TYPES) + "): DL3049 requires each, "
                "DL3051 forbids it empty, DL3052-DL3058 check values of their type",
                moved_from=("rules.DL3049.label-schema",),
            ),
            Option(
                "strict-labels",
                {"type": "boolean"},
                False,
                "DL3050: flag labels that label-schema does not list",
                moved_from=("rules.DL3049.strict-labels",),
            ),
        ),
    )


@hookimpl
def imagepolicy_amended_findings(findings, target, session):
    """``# check=error=true``: BuildKit fails the build on its checks; so do we (their findings become errors)."""
    if session.kind != "dockerfile":
        return None
    from ._buildkit import BUILDKIT_CHECK_NAMES, check_options

    if check_options(target).get("error", ["false"])[-1].lower() not in ("true", "1"):
        return None
    return [
        replace(f, severity=Severity.ERROR) if BUILDKIT_CHECK_NAMES.intersection(f.aliases) else f
        for f in findings
    ]
