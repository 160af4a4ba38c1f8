"""IM006 empty-password."""

from __future__ import annotations

from test_image_secrets import PASSWD, image_findings


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
