"""IM011 missing-label: labels and OCI annotations the config requires."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

BASE = [{"/etc/passwd": PASSWD}]
SOURCE = "org.opencontainers.image.source"


def rules(**options):
    return {"rules": {"IM011": options}}


def test_nothing_required_by_default(tmp_path):
    assert image_findings(tmp_path, BASE, "IM011") == []


def test_missing_label_fires(tmp_path):
    (finding,) = image_findings(tmp_path, BASE, "IM011", config=rules(required=["org.opencontainers.image.revision"]))
    assert finding.message == "required label or annotation 'org.opencontainers.image.revision' is missing"
    assert "LABEL org.opencontainers.image.revision=" in finding.fix


def test_a_manifest_annotation_counts_unless_labels_are_required(tmp_path):
    # the synthesized OCI manifest carries org.opencontainers.image.source as an annotation
    assert image_findings(tmp_path, BASE, "IM011", config=rules(required=[SOURCE])) == []
    (finding,) = image_findings(tmp_path, BASE, "IM011", config=rules(required=[SOURCE], where="labels"))
    assert finding.message == f"required label {SOURCE!r} is missing"


def test_label_value_pattern(tmp_path):
    runtime = {"Labels": {"team": "payments", "tier": "gold"}}
    config = rules(required=[{"key": "team", "pattern": "^(payments|search)$"}, {"key": "tier", "pattern": "^(bronze|silver)$"}], where="labels")
    (finding,) = image_findings(tmp_path, BASE, "IM011", runtime=runtime, config=config)
    assert finding.message == "label 'tier' is 'gold', which does not match the required pattern '^(bronze|silver)$'"


def test_with_the_dockerfile_a_wrong_value_is_on_its_label_line(tmp_path):
    steps = ["LABEL team=payments", 'LABEL tier="gold" owner=me']
    runtime = {"Labels": {"team": "payments", "tier": "gold", "owner": "me"}}
    config = rules(required=[{"key": "tier", "pattern": "^silver$"}, "revision"], where="labels")
    found = image_findings(tmp_path, BASE, "IM011", runtime=runtime, config=config, history=buildkit_history(steps),
                           dockerfile=dockerfile_of(steps))
    assert {f.details["key"]: f.line for f in found} == {"tier": 3, "revision": None}, "a missing label has no line"
