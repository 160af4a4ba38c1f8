"""IM003 secret-in-env: ENV values and build arguments recorded in the history."""

from __future__ import annotations

from image_ruletest import GHP, PASSWD, buildkit_history, dockerfile_of, image_findings, run_image, write_image

BASE = [{"/etc/passwd": PASSWD}]


def run(tmp_path, env, config=None, history=None):
    return image_findings(tmp_path, BASE, "IM003", runtime={"Env": env}, config=config, history=history)


def test_token_values_are_errors_whatever_the_name(tmp_path):
    (finding,) = run(tmp_path, ["PATH=/usr/bin", f"GH={GHP}"])
    assert finding.severity.label == "error"
    assert "ENV GH contains a secret, GitHub personal access token" in finding.message
    assert GHP not in finding.message  # redacted
    assert "--mount=type=secret" in finding.fix


def test_url_with_password_is_an_error(tmp_path):
    (finding,) = run(tmp_path, ["DATABASE_URL=postgres://app:s3cr3tpw@db:5432/app"])
    assert finding.severity.label == "error"
    assert "postgres://app:****@db" in finding.message


def test_secret_names_with_values_are_warnings(tmp_path):
    (finding,) = run(tmp_path, ["DB_PASSWORD=hunter2hunter2"])
    assert finding.severity.label == "warning"
    assert "ENV DB_PASSWORD looks like a secret" in finding.message and "hunter2hunter2" not in finding.message


def test_near_misses_stay_silent(tmp_path):
    env = [
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",  # python images: a key fingerprint
        "DB_PASSWORD_FILE=/run/secrets/db",
        "DB_PASSWORD=",
        "API_KEY=changeme",
        "SECRET_KEY=${SECRET_KEY}",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "PWD=/app",
        "PYTHON_SHA256=8fb5f9fbc7609fa822cb31549884575db7fd9657cbffb89510b5d7975963a83a",
    ]
    assert run(tmp_path, env) == []


def test_build_arguments_recorded_in_history_fire(tmp_path):
    history = [{"created_by": f"RUN |2 NPM_TOKEN={GHP} MODE=prod /bin/sh -c npm ci # buildkit"}]
    (finding,) = run(tmp_path, ["PATH=/usr/bin"], history=history)
    assert "build argument NPM_TOKEN" in finding.message and "history entry 0" in finding.message


def test_history_check_can_be_turned_off(tmp_path):
    history = [{"created_by": f"RUN |1 NPM_TOKEN={GHP} /bin/sh -c npm ci"}]
    assert run(tmp_path, [], config={"rules": {"IM003": {"check-history": False}}}, history=history) == []


def test_allow_names_and_patterns(tmp_path):
    env = ["DB_PASSWORD=hunter2hunter2", f"GH={GHP}"]
    assert run(tmp_path, env, config={"rules": {"IM003": {"allow-names": ["DB_*", "GH"]}}}) == []
    assert run(tmp_path, env, config={"rules": {"IM003": {"allow-patterns": ["^hunter", "^ghp_"]}}}) == []


def test_a_bad_allow_pattern_is_an_input_error_naming_the_key(tmp_path):
    archive = write_image(tmp_path, BASE, runtime={"Env": ["A=b"]})
    result = run_image(tmp_path, archive, config={"rules": {"IM003": {"allow-patterns": ["(unclosed"]}}})
    assert any("rules.IM003.allow-patterns[0]" in e for e in result.errors)


def test_with_the_dockerfile_findings_are_on_the_env_and_arg_lines(tmp_path):
    steps = ["ARG NPM_TOKEN", "ENV DB_PASSWORD=hunter2hunter2 \\\n    MODE=prod", "RUN npm ci"]
    history = buildkit_history(steps)
    history[-1]["created_by"] = f"RUN |1 NPM_TOKEN={GHP} /bin/sh -c npm ci # buildkit"
    env = ["PATH=/usr/bin", "DB_PASSWORD=hunter2hunter2", "MODE=prod", f"BASE_TOKEN={GHP}"]
    found = image_findings(tmp_path, BASE + [{"/app/node_modules/x.js": b""}], "IM003", runtime={"Env": env},
                           history=history, dockerfile=dockerfile_of(steps))
    where = {f.details["variable"]: (f.line, f.end_line) for f in found}
    assert where == {"DB_PASSWORD": (3, 4), "NPM_TOKEN": (2, 2), "BASE_TOKEN": (None, None)}, "BASE_TOKEN comes from the base image"
