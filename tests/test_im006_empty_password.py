"""IM006 empty-password."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings


def test_empty_shadow_password_fires_with_line(tmp_path):
    shadow = b"daemon:*:19000:0:99999:7:::\nroot::19000:0:99999:7:::\n"
    (finding,) = image_findings(tmp_path, [{"/etc/passwd": PASSWD, "/etc/shadow": shadow}], "IM006")
    assert finding.path_in_image == "/etc/shadow"
    assert "account 'root' has an empty password in /etc/shadow (line 2)" in finding.message
    assert "passwd -l root" in finding.fix
    assert finding.severity.label == "error" and "DKL-LI-0001" in finding.aliases


def test_empty_passwd_field_fires(tmp_path):
    (finding,) = image_findings(tmp_path, [{"/etc/passwd": PASSWD + b"guest::1001:1001::/home/guest:/bin/sh\n"}], "IM006")
    assert finding.path_in_image == "/etc/passwd" and "'guest'" in finding.message


def test_locked_and_hashed_passwords_are_silent(tmp_path):
    shadow = b"root:!:19000::::::\napp:*:19000::::::\nold:!!:1::::::\nx:!$6$abc$def:1::::::\ny:$6$salt$hash:1::::::\n"
    assert image_findings(tmp_path, [{"/etc/passwd": PASSWD, "/etc/shadow": shadow}], "IM006") == []


def test_allow_users_option(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/etc/shadow": b"root::19000::::::\n"}]
    assert image_findings(tmp_path, layers, "IM006", config={"rules": {"IM006": {"allow-users": ["root"]}}}) == []


def test_no_account_files_is_silent(tmp_path):
    assert image_findings(tmp_path, [{"/app/main.py": b"x"}], "IM006") == []


def test_with_the_dockerfile_the_finding_is_on_the_run_that_wrote_shadow(tmp_path):
    steps = ["RUN passwd -d root"]
    layers = [{"/etc/passwd": PASSWD, "/etc/shadow": b"root:!:19000::::::\n"}, {"/etc/shadow": b"root::19000::::::\n"}]
    (finding,) = image_findings(tmp_path, layers, "IM006", history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.file.endswith("Dockerfile") and finding.line == 2


def test_a_shadow_file_from_the_base_image_stays_on_the_image(tmp_path):
    steps = ["RUN true"]
    layers = [{"/etc/passwd": PASSWD, "/etc/shadow": b"root::19000::::::\n"}, {"/tmp/x": b""}]
    (finding,) = image_findings(tmp_path, layers, "IM006", history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.line is None and finding.file.endswith(".tar")
