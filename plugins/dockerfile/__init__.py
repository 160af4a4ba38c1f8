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
from imagepolicy.model import Severity
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
def imagepolicy_check_dockerfile(dockerfile, session):
    findings = session.run_rules(rules(), dockerfile)
    from ._buildkit import BUILDKIT_CHECK_NAMES, check_options

    if check_options(dockerfile).get("error", ["false"])[-1].lower() in ("true", "1"):
        # `# check=error=true`: BuildKit fails the build on its checks; so do we.
        findings = [
            replace(f, severity=Severity.ERROR) if BUILDKIT_CHECK_NAMES.intersection(f.aliases) else f
            for f in findings
        ]
    return findings
