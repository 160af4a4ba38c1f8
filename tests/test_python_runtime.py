"""The static model of Python inside an image: interpreter, sys.path, distributions, module resolution.

Every sys.path ingredient is tested on synthesized images (``image_synth``),
built with the helpers of ``image_ruletest`` that the PY002-PY005 tests share.
"""

from __future__ import annotations

import textwrap

import pytest

from image_ruletest import ELF, OFFICIAL_PATH, PASSWD, SITE312, dist_info, debian, official, python_image
from image_synth import DIR, WHITEOUT, File, Symlink
from imagepolicy.image import Image
from imagepolicy.plugins.python.runtime import find_interpreter, interpreter_versions, load_runtime, parse_shebang


def paths(rt) -> list[str]:
    return rt.path_strings()


# --- the interpreter ------------------------------------------------------------------------


def test_official_image_interpreter_and_sys_path(tmp_path):
    rt = load_runtime(python_image(tmp_path, [official()], {"WorkingDir": "/srv"}))
    interp = rt.interpreter
    assert (interp.path, interp.real_path, interp.version) == ("/usr/local/bin/python3", "/usr/local/bin/python3.12", "3.12")
    assert (interp.prefix, interp.base_prefix, interp.venv, interp.debian) == ("/usr/local", "/usr/local", None, False)
    assert paths(rt) == ["/srv", "/usr/local/lib/python312.zip", "/usr/local/lib/python3.12",
                         "/usr/local/lib/python3.12/lib-dynload", SITE312]
    assert [e.source for e in rt.sys_path] == ["cwd", "stdlib", "stdlib", "stdlib", "site"]
    assert rt.sys_path[0].exists is False  # /srv is not in the image: still on sys.path
    assert rt.user.name == "root" and rt.user.home == "/root"


def test_symlink_chain_across_folders_gives_version_and_prefix(tmp_path):
    layer = {
        "/etc/passwd": PASSWD,
        "/opt/python/bin/python3.13": ELF,
        "/opt/python/lib/python3.13/os.py": b"",
        "/opt/python/lib/python3.13/lib-dynload/": DIR,
        "/opt/python/lib/python3.13/site-packages/": DIR,
        "/etc/alternatives/python3": Symlink("/opt/python/bin/python3.13"),
        "/usr/bin/python3": Symlink("../../etc/alternatives/python3"),
    }
    rt = load_runtime(python_image(tmp_path, [layer], {"Env": ["PATH=/usr/bin:/bin"]}))
    assert rt.interpreter.real_path == "/opt/python/bin/python3.13"
    assert rt.interpreter.version == "3.13"
    assert rt.interpreter.prefix == "/opt/python"
    assert "/opt/python/lib/python3.13/site-packages" in paths(rt)


def test_version_from_the_stdlib_folder_when_the_binary_is_unversioned(tmp_path):
    layer = {"/usr/local/bin/python3": ELF, "/usr/local/lib/python3.10/os.py": b"", "/usr/local/lib/python3.10/site-packages/": DIR}
    rt = load_runtime(python_image(tmp_path, [layer]))
    assert rt.interpreter.version == "3.10"
    assert "/usr/local/lib/python3.10/site-packages" in paths(rt)


def test_default_path_when_env_has_none(tmp_path):
    interp, problem = find_interpreter(python_image(tmp_path, [official()], {"Env": []}))
    assert problem is None and interp.path == "/usr/local/bin/python3"


def test_python_option_picks_another_interpreter(tmp_path):
    layers = [official("3.12"), {"/opt/py311/bin/python3.11": ELF, "/opt/py311/lib/python3.11/os.py": b""}]
    rt = load_runtime(python_image(tmp_path, layers), python="/opt/py311/bin/python3.11")
    assert rt.interpreter.version == "3.11" and rt.interpreter.prefix == "/opt/py311"


def test_no_python_at_all(tmp_path):
    rt = load_runtime(python_image(tmp_path, [{"/etc/passwd": PASSWD, "/bin/sh": File(b"sh", mode=0o755)}]))
    assert rt.interpreter is None and rt.sys_path == []
    assert rt.problem.startswith("no python interpreter found on PATH: no python3 or python in /usr/local/bin:")
    resolution = rt.resolve_module("acme")
    assert not resolution.found and "no python interpreter found on PATH" in resolution.reasons[0]


def test_a_non_executable_python_is_not_an_interpreter(tmp_path):
    rt = load_runtime(python_image(tmp_path, [{"/usr/local/bin/python3": File(b"text", mode=0o644)}]))
    assert rt.interpreter is None


def test_interpreter_versions_skip_dangling_links(tmp_path):
    layer = {**official("3.12"), "/opt/venv/bin/python3.11": Symlink("/usr/bin/python3.11")}
    assert interpreter_versions(python_image(tmp_path, [layer])) == {"3.12": ["/usr/local/bin/python3.12"]}


# --- venvs ------------------------------------------------------------------------------------


def _venv(system_site: bool) -> dict:
    flag = "true" if system_site else "false"
    return {
        "/opt/venv/pyvenv.cfg": f"home = /usr/local/bin\ninclude-system-site-packages = {flag}\nversion = 3.12.4\n".encode(),
        "/opt/venv/bin/python": Symlink("/usr/local/bin/python3.12"),
        "/opt/venv/bin/python3": Symlink("python"),
        "/opt/venv/lib/python3.12/site-packages/": DIR,
        "/opt/venv/lib/python3.12/site-packages/x": b"",
        "/home/app/.local/lib/python3.12/site-packages/": DIR,
    }


@pytest.mark.parametrize("system_site", [False, True])
def test_venv_with_and_without_system_site_packages(tmp_path, system_site):
    runtime = {"Env": ["PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"], "User": "app"}
    rt = load_runtime(python_image(tmp_path, [official(), _venv(system_site)], runtime))
    interp = rt.interpreter
    assert (interp.path, interp.venv, interp.prefix, interp.base_prefix) == (
        "/opt/venv/bin/python3", "/opt/venv/pyvenv.cfg", "/opt/venv", "/usr/local")
    tail = paths(rt)[4:]
    if system_site:  # user site, the venv's site-packages, then the base's
        assert tail == ["/home/app/.local/lib/python3.12/site-packages", "/opt/venv/lib/python3.12/site-packages", SITE312]
    else:
        assert tail == ["/opt/venv/lib/python3.12/site-packages"]
    assert paths(rt)[1:4] == ["/usr/local/lib/python312.zip", "/usr/local/lib/python3.12", "/usr/local/lib/python3.12/lib-dynload"]


def test_debian_python_in_a_venv_at_usr_local(tmp_path):
    """The layout of tests/imagebuild.py's base image (python3 -m venv /usr/local on Debian)."""
    venv = {
        "/usr/local/pyvenv.cfg": b"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n",
        "/usr/local/bin/python3": Symlink("/usr/bin/python3"),
        "/usr/local/bin/python": Symlink("python3"),
        "/usr/local/lib/python3.11/site-packages/": DIR,
        "/usr/local/lib64": Symlink("lib"),
        "/usr/local/lib/python3.11/dist-packages/": DIR,  # shipped by Debian's python3.11 package
    }
    rt = load_runtime(python_image(tmp_path, [debian(), venv], {"WorkingDir": "/app"}))
    assert rt.interpreter.debian and rt.interpreter.real_path == "/usr/bin/python3.11"
    assert paths(rt) == ["/app", "/usr/lib/python311.zip", "/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload",
                         "/usr/local/lib/python3.11/site-packages", "/usr/local/lib/python3.11/dist-packages"]


def test_debian_system_python_uses_dist_packages(tmp_path):
    layer = {**debian(), "/usr/local/lib/python3.11/dist-packages/": DIR, "/usr/lib/python3.11/site-packages/": DIR}
    rt = load_runtime(python_image(tmp_path, [layer], {"Env": ["PATH=/usr/bin:/bin"]}))
    assert paths(rt)[-2:] == ["/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"]
    assert "/usr/lib/python3.11/site-packages" not in paths(rt)


# --- environment, user and launch ---------------------------------------------------------------


def test_pythonpath_entries_follow_the_cwd_in_order(tmp_path):
    layer = {**official(), "/app/lib/": DIR}
    rt = load_runtime(python_image(tmp_path, [layer], {"WorkingDir": "/app", "Env": [OFFICIAL_PATH, "PYTHONPATH=lib:/opt/extra"]}))
    assert paths(rt)[:3] == ["/app", "/app/lib", "/opt/extra"]
    assert [(e.source, e.exists) for e in rt.sys_path[1:3]] == [("PYTHONPATH", True), ("PYTHONPATH", False)]


def test_user_site_for_a_non_root_user_with_home_from_passwd(tmp_path):
    user_site = "/home/app/.local/lib/python3.12/site-packages"
    layer = {**official(), f"{user_site}/mod.py": b""}
    rt = load_runtime(python_image(tmp_path, [layer], {"User": "1000:1000"}))
    assert (rt.user.name, rt.user.uid, rt.user.home, rt.user.home_from) == ("app", 1000, "/home/app", "/etc/passwd")
    assert paths(rt)[-2:] == [user_site, SITE312]
    assert rt.resolve_module("mod").location == f"{user_site}/mod.py"


def test_user_site_off_with_pythonnousersite_and_home_from_env(tmp_path):
    layer = {**official(), "/home/app/.local/lib/python3.12/site-packages/": DIR, "/data/.local/lib/python3.12/site-packages/": DIR}
    off = load_runtime(python_image(tmp_path / "a", [layer], {"User": "app", "Env": [OFFICIAL_PATH, "PYTHONNOUSERSITE=1"]}))
    assert paths(off)[-1] == SITE312 and not any(".local" in p for p in paths(off))
    env_home = load_runtime(python_image(tmp_path / "b", [layer], {"User": "app", "Env": [OFFICIAL_PATH, "HOME=/data"]}))
    assert env_home.user.home_from == "HOME in Env"
    assert "/data/.local/lib/python3.12/site-packages" in paths(env_home)


def test_root_user_site_only_when_it_exists(tmp_path):
    assert not any(".local" in p for p in paths(load_runtime(python_image(tmp_path, [official()]))))


def test_script_command_puts_the_script_folder_first(tmp_path):
    layer = {**official(), "/srv/app/main.py": b"print()\n"}
    rt = load_runtime(python_image(tmp_path, [layer], {"WorkingDir": "/work", "Cmd": ["python", "/srv/app/main.py"]}))
    assert rt.launch == "script" and paths(rt)[0] == "/srv/app"


@pytest.mark.parametrize("cmd, first", [
    (["python3", "-m", "acme"], "/work"),
    (["python", "-c", "import acme"], "/work"),
    (["gunicorn", "acme.wsgi"], "/work"),
    (["python3", "-I", "-m", "acme"], "/usr/local/lib/python312.zip"),
    (["python3", "-P", "-m", "acme"], "/x"),
])
def test_launch_modes(tmp_path, cmd, first):
    rt = load_runtime(python_image(tmp_path, [official()], {"WorkingDir": "/work", "Cmd": cmd, "Env": [OFFICIAL_PATH, "PYTHONPATH=/x"]}))
    assert paths(rt)[0] == first
    assert ("/x" in paths(rt)) == ("-I" not in cmd)  # -I ignores PYTHON* variables


# --- .pth files and editable finders ----------------------------------------------------------------


def test_pth_path_lines_added_import_lines_reported_never_run(tmp_path):
    layer = {
        **official(),
        "/opt/plugins/": DIR,
        f"{SITE312}/b.pth": b"# comment\n/opt/plugins\n../../../../../srv/missing\nimport os; raise SystemExit('never run')\n",
        f"{SITE312}/a.pth": b"/opt/first\n",
        "/opt/first/": DIR,
    }
    rt = load_runtime(python_image(tmp_path, [layer]))
    assert paths(rt)[-3:] == [SITE312, "/opt/first", "/opt/plugins"]  # .pth files in name order
    pth = {p.path.rsplit("/", 1)[1]: p for p in rt.pth_files}
    assert pth["b.pth"].paths == ("/opt/plugins",)
    assert pth["b.pth"].missing == ("/srv/missing",)
    assert pth["b.pth"].imports == ("import os; raise SystemExit('never run')",)
    assert rt.sys_path[-1].origin == f"{SITE312}/b.pth"


FINDER = '''
import sys
from importlib.machinery import ModuleSpec
MAPPING: dict = {'acme': '/app/src/acme', 'tool': '/app/tool.py'}
NAMESPACES: dict = {}
PATH_PLACEHOLDER = '__editable__.acme-0.1.finder' + ".__path_hook__"
def install():
    sys.meta_path.append(object())
'''


def _setuptools_editable(with_source: bool) -> dict:
    files = {
        **official(),
        f"{SITE312}/__editable__.acme-0.1.pth": b"import __editable___acme_0_1_finder; __editable___acme_0_1_finder.install()\n",
        f"{SITE312}/__editable___acme_0_1_finder.py": FINDER.encode(),
        **dist_info(SITE312, "acme", "0.1", editable=True, url="file:///app",
                    record=["__editable__.acme-0.1.pth", "__editable___acme_0_1_finder.py"]),
    }
    if with_source:
        files.update({"/app/src/acme/__init__.py": b"", "/app/tool.py": b""})
    return files


def test_setuptools_finder_mapping_resolves(tmp_path):
    rt = load_runtime(python_image(tmp_path, [_setuptools_editable(with_source=True)], {"WorkingDir": "/"}))
    (finder,) = rt.finders
    assert finder.kind == "setuptools" and finder.active
    assert finder.mapping == {"acme": "/app/src/acme", "tool": "/app/tool.py"}
    acme = rt.resolve_module("acme")
    assert (acme.kind, acme.location, acme.finder) == ("editable", "/app/src/acme", finder.path)
    assert rt.resolve_module("tool").location == "/app/tool.py"
    assert rt.resolve_module("acme.cli").module == "acme"


def test_setuptools_finder_with_missing_source_explains(tmp_path):
    rt = load_runtime(python_image(tmp_path, [_setuptools_editable(with_source=False)]))
    acme = rt.resolve_module("acme")
    assert not acme.found
    assert any("maps acme to /app/src/acme, which does not exist in the image" in r for r in acme.reasons)
    assert acme.looked[-1].endswith("(maps acme to /app/src/acme)")


def test_finder_mapping_that_is_not_a_literal_is_not_run(tmp_path):
    layer = {**official(), f"{SITE312}/__editable___x_finder.py": b"MAPPING = dict(acme=__import__('os').getcwd())\n"}
    (finder,) = load_runtime(python_image(tmp_path, [layer])).finders
    assert finder.mapping == {} and "is not a literal" in finder.problem


def test_editables_redirector_map_module(tmp_path):
    layer = {
        **official(),
        f"{SITE312}/_editable_impl_acme.pth": b"import _editable_impl_acme\n",
        f"{SITE312}/_editable_impl_acme.py": b"from editables.redirector import RedirectingFinder as F\nF.install()\nF.map_module('acme', '/app/src/acme/__init__.py')\n",
        "/app/src/acme/__init__.py": b"",
    }
    acme = load_runtime(python_image(tmp_path, [layer])).resolve_module("acme")
    assert (acme.kind, acme.location) == ("editable", "/app/src/acme")


def test_hatchling_editable_pth_puts_the_source_root_on_sys_path(tmp_path):
    layer = {
        **official(),
        "/app/src/acme/__init__.py": b"",
        **dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                    files={"_acme_service.pth": b"/app/src\n"}),
    }
    rt = load_runtime(python_image(tmp_path, [layer], {"WorkingDir": "/app"}))
    acme = rt.resolve_module("acme")
    assert (acme.kind, acme.location, acme.entry.source, acme.entry.origin) == (
        "package", "/app/src/acme", "pth", f"{SITE312}/_acme_service.pth")
    (dist,) = rt.distributions
    assert dist.editable and dist.source_dir == "/app" and dist.pth_files == (f"{SITE312}/_acme_service.pth",)


def test_editable_install_whose_source_is_missing(tmp_path):
    layer = {**official(), **dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///src",
                                       files={"_acme_service.pth": b"/src/src\n"})}
    acme = load_runtime(python_image(tmp_path, [layer])).resolve_module("acme")
    assert not acme.found
    assert f"{SITE312}/_acme_service.pth adds /src/src, which does not exist in the image" in acme.reasons


def test_editable_without_any_wiring_explains_where_the_source_is(tmp_path):
    """The motivating bug: hatchling built an editable wheel before src/ was copied."""
    layer = {**official(), **dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                                       record=["../../../bin/acme"], scripts={"acme": "acme.cli:main"})}
    later = {"/app/src/acme/__init__.py": b"", "/app/src/acme/cli.py": b""}
    acme = load_runtime(python_image(tmp_path, [layer, later], {"WorkingDir": "/app"})).resolve_module("acme")
    assert not acme.found
    assert acme.reasons == (
        "distribution acme-service 0.1.0 is installed editable from /app but provides no modules "
        "(no .pth path or import finder in its RECORD)",
        "/app/src/acme exists but /app/src is not on sys.path",
    )
    assert acme.looked == ("/app", "/usr/local/lib/python312.zip", "/usr/local/lib/python3.12",
                           "/usr/local/lib/python3.12/lib-dynload", SITE312)


# --- what a folder provides ---------------------------------------------------------------------


def test_namespace_package_portions_across_sys_path(tmp_path):
    layer = {**official(), f"{SITE312}/ns/a/__init__.py": b"", "/opt/more/ns/b.py": b"", f"{SITE312}/more.pth": b"/opt/more\n"}
    found = load_runtime(python_image(tmp_path, [layer])).resolve_module("ns")
    assert found.kind == "namespace"
    assert found.portions == (f"{SITE312}/ns", "/opt/more/ns")


def test_a_regular_package_later_on_sys_path_beats_a_namespace_portion(tmp_path):
    layer = {**official(), "/app/acme/": DIR, "/app/acme/data.txt": b"", f"{SITE312}/acme/__init__.py": b""}
    found = load_runtime(python_image(tmp_path, [layer], {"WorkingDir": "/app"})).resolve_module("acme")
    assert (found.kind, found.location) == ("package", f"{SITE312}/acme")


def test_cwd_shadows_site_packages(tmp_path):
    layer = {**official(), "/app/acme.py": b"", f"{SITE312}/acme/__init__.py": b""}
    found = load_runtime(python_image(tmp_path, [layer], {"WorkingDir": "/app"})).resolve_module("acme")
    assert (found.kind, found.location, found.entry.source) == ("module", "/app/acme.py", "cwd")


def test_extension_modules_for_this_python_only(tmp_path):
    layer = {**official(), f"{SITE312}/fast.cpython-312-x86_64-linux-gnu.so": b"\x7fELF", f"{SITE312}/old.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
             f"{SITE312}/stable.abi3.so": b"\x7fELF"}
    rt = load_runtime(python_image(tmp_path, [layer]))
    assert rt.resolve_module("fast").kind == "extension"
    assert rt.resolve_module("stable").location == f"{SITE312}/stable.abi3.so"
    old = rt.resolve_module("old")
    assert not old.found
    assert f"{SITE312}/old.cpython-311-x86_64-linux-gnu.so is an extension module built for another Python than 3.12" in old.reasons


def test_package_in_another_pythons_site_packages(tmp_path):
    layer = {**official("3.11"), "/usr/local/lib/python3.12/site-packages/acme/__init__.py": b""}
    found = load_runtime(python_image(tmp_path, [layer])).resolve_module("acme")
    assert found.reasons == ("/usr/local/lib/python3.12/site-packages/acme exists, but in the site-packages of Python 3.12 "
                             "(the interpreter is Python 3.11)",)


# --- distributions ------------------------------------------------------------------------------


def test_dist_info_is_read(tmp_path):
    layer = {**official(), **dist_info(SITE312, "Acme_Service", "2.0", files={"acme/__init__.py": b"", "acme_extra.py": b""},
                                       scripts={"acme": "acme.cli:main"}, url="https://example.com/acme.whl")}
    rt = load_runtime(python_image(tmp_path, [layer]))
    dist = rt.distribution("acme-service")
    assert (dist.name, dist.version, dist.installer, dist.editable) == ("Acme_Service", "2.0", "pip", False)
    assert dist.modules() == ["acme", "acme_extra"]
    assert dist.console_scripts == {"acme": "acme.cli:main"}
    assert dist.path == f"{SITE312}/Acme_Service-2.0.dist-info"


def test_top_level_txt_wins_over_record(tmp_path):
    layer = {**official(), **dist_info(SITE312, "pkg", files={"a/__init__.py": b""}, top_level=["b"])}
    assert load_runtime(python_image(tmp_path, [layer])).distribution("pkg").modules() == ["b"]


@pytest.mark.parametrize("shape", ["docker-legacy", "docker-skopeo", "oci-archive", "oci-layout"])
def test_same_model_on_every_archive_shape(tmp_path, shape):
    layers = [official(), {**dist_info(SITE312, "acme", files={"acme/__init__.py": b""}), "/etc/passwd": PASSWD}]
    rt = load_runtime(python_image(tmp_path, layers, shape=shape))
    assert paths(rt)[-1] == SITE312
    assert rt.resolve_module("acme").location == f"{SITE312}/acme"


def test_contents_are_read_in_one_batch(tmp_path, monkeypatch):
    layers = [official(), _setuptools_editable(with_source=True),
              dist_info(SITE312, "b", files={"b.py": b"", "b.pth": b"/opt\n"})]
    img = python_image(tmp_path, layers)
    calls = []
    original = Image.read_entries
    monkeypatch.setattr(Image, "read_entries", lambda self, entries, max_bytes=None: calls.append(len(entries)) or original(self, entries, max_bytes))
    rt = load_runtime(img)
    assert len(rt.distributions) == 2 and len(rt.finders) == 1
    assert len(calls) == 1, calls  # start-up files and every .pth/finder/dist-info file at once
    assert load_runtime(img) is rt  # cached per image


def test_a_user_site_outside_the_prefixes_costs_a_second_batch(tmp_path, monkeypatch):
    layers = [official(), dist_info("/home/app/.local/lib/python3.12/site-packages", "mine", files={"mine.py": b""})]
    img = python_image(tmp_path, layers, {"User": "app"})
    calls = []
    original = Image.read_entries
    monkeypatch.setattr(Image, "read_entries", lambda self, entries, max_bytes=None: calls.append(len(entries)) or original(self, entries, max_bytes))
    rt = load_runtime(img)
    assert rt.distribution("mine").site_dir == "/home/app/.local/lib/python3.12/site-packages"
    assert len(calls) == 2


def test_parse_shebang():
    assert parse_shebang(b"#!/usr/local/bin/python3.12\nimport sys\n") == ["/usr/local/bin/python3.12"]
    assert parse_shebang(b"#!/usr/bin/env python3\n") == ["/usr/bin/env", "python3"]
    trampoline = textwrap.dedent("""\
        #!/bin/sh
        '''exec' "/very/long/path/venv/bin/python" "$0" "$@"
        ' '''
        """).encode()
    assert parse_shebang(trampoline) == ["/very/long/path/venv/bin/python"]
    assert parse_shebang(b"\x7fELF") is None


def test_a_bare_string_cmd_is_one_word(tmp_path):
    rt = load_runtime(python_image(tmp_path, [official()], {"WorkingDir": "/w", "Cmd": "python3"}))
    assert rt.launch == "interactive" and paths(rt)[0] == "/w"


def test_a_package_deleted_by_a_later_layer_names_that_layer(tmp_path):
    layers = [official(), dist_info(SITE312, "acme", files={"acme/__init__.py": b"", "acme/cli.py": b""}),
              {f"{SITE312}/acme": WHITEOUT}]
    img = python_image(tmp_path, layers)
    found = load_runtime(img).resolve_module("acme")
    assert not found.found
    diff_id = img.layers[2].diff_id[:19]  # the uncompressed digest: the same in every archive format
    assert found.reasons == (
        f"distribution acme 1.0 ({SITE312}/acme-1.0.dist-info) lists acme, but {SITE312}/acme/__init__.py is not in the image "
        f"(deleted by layer 2 {diff_id} (RUN step 2))",)
