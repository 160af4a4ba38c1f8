"""IM015 metadata-test-failed: container-structure-test's metadataTest from the image config."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

BASE = [{"/etc/passwd": PASSWD}]
RUNTIME = {
    "User": "app",
    "WorkingDir": "/srv",
    "Cmd": ["/bin/sh", "-c", "python -m acme"],
    "Env": ["PATH=/usr/bin", "DEBUG=1", "APP_VERSION=1.4.2"],
    "Labels": {"team": "payments"},
    "ExposedPorts": {"8080/tcp": {}},
    "Volumes": {"/data": {}},
}


def run(tmp_path, **options):
    return image_findings(tmp_path, BASE, "IM015", runtime=RUNTIME, config={"rules": {"IM015": options}})


def test_matching_metadata_is_silent(tmp_path):
    assert run(
        tmp_path, user="app", workdir="/srv/", cmd=["/bin/sh", "-c", "python -m acme"], entrypoint=[],
        env={"APP_VERSION": {"pattern": r"^\d+\.\d+\.\d+$"}, "SECRET": None}, labels={"team": "payments"},
        **{"exposed-ports": [8080], "unexposed-ports": ["22"], "volumes": ["/data"], "unmounted-volumes": ["/app"]},
    ) == []


def test_mismatches_say_expected_and_found(tmp_path):
    found = run(tmp_path, workdir="/app", cmd=["python", "-m", "acme"], env={"DEBUG": None, "LOG_LEVEL": "info"}, **{"exposed-ports": ["9090/tcp"]})
    assert sorted(f.message for f in found) == sorted([
        "image config workdir: expected '/app', found '/srv'",
        "image config cmd: expected ['python', '-m', 'acme'], found ['/bin/sh', '-c', 'python -m acme']",
        "image config env.DEBUG: expected 'unset', found '1'",
        "image config env.LOG_LEVEL: expected 'info', found 'unset'",
        "image config exposed-ports: expected '9090/tcp exposed', found ['8080/tcp']",
    ])
    assert any("WORKDIR" in f.fix for f in found)
    assert "WORKDIR" in [f for f in found if "workdir" in f.message][0].fix and "metadataTest" in found[0].aliases


def test_nothing_is_checked_by_default(tmp_path):
    assert image_findings(tmp_path, BASE, "IM015", runtime=RUNTIME) == []


def test_with_the_dockerfile_values_it_set_are_on_their_lines(tmp_path):
    steps = ["USER app", "WORKDIR /srv", "ENV DEBUG=1 APP_VERSION=1.4.2", "LABEL team=payments", "EXPOSE 8080", "VOLUME /data",
             "CMD python -m acme"]
    options = {"user": "root", "workdir": "/app", "cmd": ["acme"], "env": {"DEBUG": None, "PATH": "/bin", "LOG_LEVEL": "info"},
               "labels": {"team": "search"}, "unexposed-ports": [8080], "exposed-ports": [9090], "unmounted-volumes": ["/data/"]}
    found = image_findings(tmp_path, BASE, "IM015", runtime=RUNTIME, config={"rules": {"IM015": options}},
                           history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    lines = {f.details["key"]: f.line for f in found}
    assert lines == {
        "user": 2, "workdir": 3, "cmd": 8, "env.DEBUG": 4, "labels.team": 5, "unexposed-ports": 6, "unmounted-volumes": 7,
        "env.PATH": None,  # set by the base image
        "env.LOG_LEVEL": None, "exposed-ports": None,  # missing: nothing to point at
    }
