"""The static Python project model: which modules `pip install .` would install, per backend.

Every case builds a real project tree in tmp_path (inline, so each test shows its
own layout) and checks what a rule sees: module names, their source paths and
kinds, the notes explaining guesses, scripts and required files.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from imagepolicy.model import InputError
from imagepolicy.plugins.python.project import (
    ModuleSource,
    PythonProject,
    find_project_root,
    load_project,
)


def make(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def load(root: Path) -> PythonProject:
    project = load_project(root)
    assert project is not None
    return project


def modules(project: PythonProject) -> dict[str, tuple[str, str]]:
    return {m.module: (m.path, m.kind) for m in project.modules}


def notes(project: PythonProject) -> str:
    return "\n".join(project.notes)


SETUPTOOLS = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"
"""
HATCH = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""
POETRY = """
[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""
FLIT = """
[build-system]
requires = ["flit_core>=3.4"]
build-backend = "flit_core.buildapi"
"""
PDM = """
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"
"""
MATURIN = """
[build-system]
requires = ["maturin>=1.0"]
build-backend = "maturin"
"""


# --- finding and loading ---------------------------------------------------------------


def test_no_project_file_gives_none(tmp_path: Path) -> None:
    make(tmp_path, {"app/main.py": "print('hi')\n"})
    assert load_project(tmp_path) is None


def test_find_project_root_walks_up_to_stop(tmp_path: Path) -> None:
    make(tmp_path, {"svc/pyproject.toml": "[project]\nname = 'svc'\n", "svc/src/svc/deep/x.py": ""})
    found = find_project_root(tmp_path / "svc/src/svc/deep/x.py", tmp_path)
    assert found == str(tmp_path / "svc")
    # stop is inclusive, and nothing above it is looked at
    assert find_project_root(tmp_path / "svc/src", tmp_path / "svc/src") is None
    assert find_project_root(tmp_path / "elsewhere", tmp_path / "svc") is None


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    make(tmp_path, {"backend/pyproject.toml": '[project]\nname = "x"\nversion = \n'})
    with pytest.raises(InputError) as err:
        load_project(tmp_path / "backend", display_root=tmp_path)
    message = str(err.value)
    assert message.startswith("backend/pyproject.toml: invalid TOML at line 3: ")
    assert "invalid value" in message


def test_invalid_setup_cfg_names_file_and_line(tmp_path: Path) -> None:
    make(tmp_path, {"setup.py": "from setuptools import setup\nsetup()\n", "setup.cfg": "[metadata]\nname = x\nthis line is junk\n"})
    with pytest.raises(InputError, match=r"^setup\.cfg: invalid INI at line 3: cannot parse 'this line is junk'"):
        load_project(tmp_path, display_root=tmp_path)


def test_setup_py_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    make(tmp_path, {
        "setup.py": f"""
            open({str(marker)!r}, "w").close()
            from setuptools import setup
            setup(name="x", packages=["pkg"])
        """,
        "pkg/__init__.py": "",
    })
    project = load(tmp_path)
    assert not marker.exists()
    assert modules(project) == {"pkg": ("pkg", "package")}
    assert "never run" in notes(project)


# --- setuptools ----------------------------------------------------------------------------


def test_setuptools_explicit_packages_only_top_level_counts(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme"\n[tool.setuptools]\npackages = ["acme", "acme.sub", "other.inner"]\n',
        "acme/__init__.py": "", "acme/sub/__init__.py": "", "other/inner/__init__.py": "",
    })
    project = load(tmp_path)
    assert project.backend == "setuptools"
    assert modules(project) == {"acme": ("acme", "package"), "other": ("other", "namespace")}
    assert project.source_roots == (".",)


@pytest.mark.parametrize(
    ("package_dir", "layout", "expected"),
    [
        ('{"" = "src"}', "src/acme/__init__.py", "src/acme"),
        ('{"acme" = "lib/acme"}', "lib/acme/__init__.py", "lib/acme"),
    ],
)
def test_setuptools_package_dir(tmp_path: Path, package_dir: str, layout: str, expected: str) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + f'[project]\nname = "acme"\n[tool.setuptools]\npackages = ["acme"]\npackage-dir = {package_dir}\n',
        layout: "",
    })
    project = load(tmp_path)
    assert modules(project) == {"acme": (expected, "package")}
    assert project.module_paths() == [expected]


def test_setuptools_package_dir_maps_subpackage_elsewhere(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + textwrap.dedent("""
            [project]
            name = "tool"
            [tool.setuptools]
            package-dir = {"tool" = "core", "tool.plugins" = "plugins"}
            packages = ["tool", "tool.plugins"]
        """),
        "core/__init__.py": "", "plugins/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"tool": ("core", "package")}
    assert project.module_paths() == ["core", "plugins"]


def test_setuptools_packages_find_where_include_exclude(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + textwrap.dedent("""
            [project]
            name = "acme"
            [tool.setuptools.packages.find]
            where = ["lib"]
            include = ["acme*"]
            exclude = ["acme_tests*"]
        """),
        "lib/acme/__init__.py": "", "lib/acme_extra/__init__.py": "", "lib/acme_tests/__init__.py": "",
        "lib/unrelated/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"acme": ("lib/acme", "package"), "acme_extra": ("lib/acme_extra", "package")}
    assert project.source_roots == ("lib",)


def test_setuptools_find_namespaces_true_by_default_in_pyproject(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme"\n[tool.setuptools.packages.find]\nwhere = ["src"]\n',
        "src/acme/plugins/x.py": "",
    })
    assert modules(load(tmp_path)) == {"acme": ("src/acme", "namespace")}


def test_setuptools_find_namespaces_false_skips_folder_without_init(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme"\n[tool.setuptools.packages.find]\nwhere = ["src"]\nnamespaces = false\n',
        "src/acme/plugins/x.py": "",
    })
    project = load(tmp_path)
    assert project.modules == ()
    assert "finds no package under src" in notes(project)


def test_setuptools_py_modules(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "tool"\n[tool.setuptools]\npy-modules = ["tool"]\n',
        "tool.py": "", "other.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"tool": ("tool.py", "module")}
    assert project.describe() == "tool (setuptools): module tool"


def test_setup_cfg_find_with_where_and_package_dir(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup()\n",
        "setup.cfg": """
            [metadata]
            name = acme
            long_description = file: README.rst
            [options]
            package_dir =
                =src
            packages = find:
            [options.packages.find]
            where = src
            exclude =
                tests*
            [options.entry_points]
            console_scripts =
                acme = acme.cli:main
                acme-admin = acme.admin:run [admin]
        """,
        "README.rst": "hi\n", "src/acme/__init__.py": "", "src/tests/__init__.py": "", "src/nsonly/x.py": "",
    })
    project = load(tmp_path)
    assert project.name == "acme"
    assert modules(project) == {"acme": ("src/acme", "package")}  # find: (not find_namespace:) skips nsonly
    assert project.scripts == {"acme": "acme.cli:main", "acme-admin": "acme.admin:run"}
    assert project.required_files == ("setup.cfg", "setup.py", "README.rst")


def test_setup_cfg_find_namespace_and_py_modules(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.py": "import setuptools\nsetuptools.setup()\n",
        "setup.cfg": """
            [options]
            packages = find_namespace:
            py_modules = helper, runner
            [options.packages.find]
            where = src
        """,
        "src/nsonly/x.py": "", "src/helper.py": "", "runner.py": "",
    })
    project = load(tmp_path)
    # one `where` also sets package_dir[""], so py_modules are looked up in src/ too
    assert modules(project) == {"nsonly": ("src/nsonly", "namespace"), "helper": ("src/helper.py", "module")}
    assert "runner is declared (py_modules in setup.cfg) but src/runner.py does not exist" in notes(project)


def test_setup_py_literal_keywords(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.py": """
            from setuptools import setup
            setup(
                name="legacy",
                package_dir={"": "lib"},
                packages=["legacy", "legacy.sub"],
                entry_points={"console_scripts": ["legacy = legacy.main:cli"]},
            )
        """,
        "lib/legacy/__init__.py": "", "lib/legacy/sub/__init__.py": "",
    })
    project = load(tmp_path)
    assert (project.name, project.backend) == ("legacy", "setuptools")
    assert modules(project) == {"legacy": ("lib/legacy", "package")}
    assert project.scripts == {"legacy": "legacy.main:cli"}


def test_setuptools_listed_subpackage_missing_is_noted(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "a"\n[tool.setuptools]\npackages = ["a", "a.gone"]\n',
        "a/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"a": ("a", "package")}
    assert "package a.gone is listed but its folder a/gone does not exist" in notes(project)


def test_setup_py_find_packages_call_with_literal_args(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.py": """
            from setuptools import setup, find_packages
            setup(name="svc", packages=find_packages(where="src", exclude=["tests"]), package_dir={"": "src"})
        """,
        "src/svc/__init__.py": "", "src/tests/__init__.py": "",
    })
    assert modules(load(tmp_path)) == {"svc": ("src/svc", "package")}


def test_setup_py_computed_packages_falls_back_to_discovery(tmp_path: Path) -> None:
    make(tmp_path, {
        "setup.py": """
            from setuptools import setup
            PKGS = [p for p in ["svc"]]
            setup(name="svc", packages=PKGS)
        """,
        "svc/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"svc": ("svc", "package")}
    assert "computes packages at run time" in notes(project)


def test_setuptools_src_layout_discovery(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme-service"\n',
        "src/acme/__init__.py": "", "src/standalone.py": "", "src/acme.egg-info/PKG-INFO": "",
        "tests/test_x.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"acme": ("src/acme", "package"), "standalone": ("src/standalone.py", "module")}
    assert project.source_roots == ("src",)
    assert "auto-discovery" in notes(project) and "src-layout" in notes(project)


def test_setuptools_flat_layout_excludes_reserved_names(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme"\n',
        "acme/__init__.py": "",
        **{f"{name}/__init__.py": "" for name in ("tests", "docs", "examples", "scripts", "tools", "build", "venv", "_private")},
        ".hidden/x.py": "", "setup.py": "from setuptools import setup\nsetup()\n", "conftest.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"acme": ("acme", "package")}
    assert "flat-layout" in notes(project)


def test_setuptools_flat_layout_with_two_packages_refuses(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "acme"\n',
        "acme/__init__.py": "", "config/settings.yaml": "",
    })
    project = load(tmp_path)
    assert project.modules == ()
    assert "refuses to build with several top-level packages (acme, config)" in notes(project)


def test_setuptools_flat_layout_single_module(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + '[project]\nname = "tool"\n',
        "tool.py": "", "noxfile.py": "", "conftest.py": "", "_private.py": "",
    })
    assert modules(load(tmp_path)) == {"tool": ("tool.py", "module")}


def test_pyproject_without_build_backend_is_legacy_setuptools(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": "[tool.black]\nline-length = 100\n", "setup.py": "from setuptools import setup\nsetup(name='x', py_modules=['x'])\n", "x.py": ""})
    project = load(tmp_path)
    assert project.backend == "setuptools"
    assert modules(project) == {"x": ("x.py", "module")}
    assert "falls back to setuptools" in notes(project)


def test_setup_cfg_alone_cannot_be_installed(tmp_path: Path) -> None:
    make(tmp_path, {"setup.cfg": "[metadata]\nname = lonely\n", "lonely/__init__.py": ""})
    project = load(tmp_path)
    assert project.backend is None
    assert "pip cannot install this folder" in notes(project)


# --- hatchling -------------------------------------------------------------------------------


def test_hatch_packages_module_is_last_component(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "acme-service"\n[tool.hatch.build.targets.wheel]\npackages = ["src/acme"]\n',
        "src/acme/__init__.py": "",
    })
    project = load(tmp_path)
    assert project.backend == "hatchling"
    assert modules(project) == {"acme": ("src/acme", "package")}
    assert project.describe() == "acme-service (hatchling): module acme from src/acme"


def test_hatch_only_include_keeps_paths(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\nonly-include = ["app", "run.py"]\n',
        "app/__init__.py": "", "run.py": "",
    })
    assert modules(load(tmp_path)) == {"app": ("app", "package"), "run": ("run.py", "module")}


def test_hatch_only_include_under_src_without_sources_installs_src(tmp_path: Path) -> None:
    """only-include keeps the path: without sources the wheel gets a top-level `src`."""
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\nonly-include = ["src/acme"]\n',
        "src/acme/__init__.py": "",
    })
    assert modules(load(tmp_path)) == {"src": ("src", "namespace")}


@pytest.mark.parametrize(
    "sources",
    ['["src"]', '{"src/acme" = "acme"}', '{"src" = ""}'],
)
def test_hatch_sources_rewrite_prefixes(tmp_path: Path, sources: str) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + f'[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\nonly-include = ["src/acme"]\nsources = {sources}\n',
        "src/acme/__init__.py": "",
    })
    assert modules(load(tmp_path)) == {"acme": ("src/acme", "package")}


def test_hatch_sources_on_whole_folder_installs_its_children(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\nonly-include = ["lib"]\nsources = ["lib"]\n',
        "lib/alpha/__init__.py": "", "lib/beta.py": "", "lib/data.json": "{}",
    })
    assert modules(load(tmp_path)) == {"alpha": ("lib/alpha", "package"), "beta": ("lib/beta.py", "module")}


@pytest.mark.parametrize(
    ("name", "layout", "expected"),
    [
        ("acme-service", "src/acme_service/__init__.py", ("acme_service", "src/acme_service", "package")),
        ("Acme.Service", "acme_service/__init__.py", ("acme_service", "acme_service", "package")),
        ("tool", "tool.py", ("tool", "tool.py", "module")),
        ("service", "company/service/__init__.py", ("company", "company", "namespace")),
    ],
)
def test_hatch_default_selection(tmp_path: Path, name: str, layout: str, expected: tuple[str, str, str]) -> None:
    make(tmp_path, {"pyproject.toml": HATCH + f'[project]\nname = "{name}"\n', layout: ""})
    project = load(tmp_path)
    module, path, kind = expected
    assert modules(project) == {module: (path, kind)}
    assert "hatchling default selection" in notes(project)


def test_hatch_default_finds_nothing_when_folder_named_differently(tmp_path: Path) -> None:
    """The motivating bug: project `acme-service`, code in src/acme: no module is shipped."""
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "acme-service"\n[project.scripts]\nacme = "acme.cli:main"\n',
        "src/acme/__init__.py": "", "src/acme/cli.py": "",
    })
    project = load(tmp_path)
    assert project.modules == ()
    assert project.module_for("acme.cli") is None
    assert project.scripts == {"acme": "acme.cli:main"}
    assert "hatchling default selection finds nothing" in notes(project)
    assert "src/acme_service/__init__.py" in notes(project)
    assert project.describe() == "acme-service (hatchling): no modules found"


def test_hatch_build_level_packages_and_force_include(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + textwrap.dedent("""
            [project]
            name = "x"
            [tool.hatch.build]
            packages = ["lib/core"]
            [tool.hatch.build.targets.wheel.force-include]
            "shared/helpers" = "helpers"
        """),
        "lib/core/__init__.py": "", "shared/helpers/__init__.py": "",
    })
    assert modules(load(tmp_path)) == {"core": ("lib/core", "package"), "helpers": ("shared/helpers", "package")}


# --- poetry --------------------------------------------------------------------------------------


def test_poetry_packages_include_from(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": POETRY + textwrap.dedent("""
            [tool.poetry]
            name = "acme-service"
            readme = "README.md"
            packages = [{include = "acme", from = "src"}, {include = "tool.py"}, {include = "plug*", from = "lib"}]
            [tool.poetry.scripts]
            acme = "acme.cli:main"
            other = {reference = "acme.other:run", type = "console"}
        """),
        "src/acme/__init__.py": "", "tool.py": "", "lib/plugin_a/__init__.py": "", "lib/plugin_b.py": "", "README.md": "",
    })
    project = load(tmp_path)
    assert (project.name, project.backend) == ("acme-service", "poetry")
    assert modules(project) == {
        "acme": ("src/acme", "package"),
        "tool": ("tool.py", "module"),
        "plugin_a": ("lib/plugin_a", "package"),
        "plugin_b": ("lib/plugin_b.py", "module"),
    }
    assert project.scripts == {"acme": "acme.cli:main", "other": "acme.other:run"}
    assert "README.md" in project.required_files


def test_poetry_sdist_only_entry_is_not_installed(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": POETRY + '[tool.poetry]\nname = "x"\npackages = [{include = "x"}, {include = "docs_src", format = "sdist"}]\n',
        "x/__init__.py": "", "docs_src/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"x": ("x", "package")}
    assert "sdist only" in notes(project)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [("my_app/__init__.py", ("my_app", "package")), ("src/my_app/__init__.py", ("src/my_app", "package")), ("my_app.py", ("my_app.py", "module"))],
)
def test_poetry_default_by_project_name(tmp_path: Path, layout: str, expected: tuple[str, str]) -> None:
    make(tmp_path, {"pyproject.toml": POETRY + '[tool.poetry]\nname = "My-App"\n', layout: ""})
    assert modules(load(tmp_path)) == {"my_app": expected}


def test_poetry_pep621_mode_default(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": POETRY + '[project]\nname = "web-api"\n[project.scripts]\nweb = "web_api.main:run"\n',
        "src/web_api/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"web_api": ("src/web_api", "package")}
    assert project.scripts == {"web": "web_api.main:run"}


def test_poetry_default_finds_nothing(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": POETRY + '[tool.poetry]\nname = "web-api"\n', "src/api/__init__.py": ""})
    project = load(tmp_path)
    assert project.modules == ()
    assert "poetry-core finds no web_api/" in notes(project)


# --- flit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "layout", "expected"),
    [
        ("", "src/acme_tool/__init__.py", {"acme_tool": ("src/acme_tool", "package")}),
        ("", "acme_tool.py", {"acme_tool": ("acme_tool.py", "module")}),
        ('[tool.flit.module]\nname = "acme"\n', "acme/__init__.py", {"acme": ("acme", "package")}),
        ('[tool.flit.module]\nname = "corp.acme"\n', "src/corp/acme/__init__.py", {"corp": ("src/corp", "namespace")}),
    ],
)
def test_flit_module(tmp_path: Path, extra: str, layout: str, expected: dict) -> None:
    make(tmp_path, {"pyproject.toml": FLIT + '[project]\nname = "acme-tool"\ndynamic = ["version"]\n' + extra, layout: ""})
    project = load(tmp_path)
    assert project.backend == "flit"
    assert modules(project) == expected


def test_flit_module_missing(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": FLIT + '[project]\nname = "realpython-reader"\n', "reader/__init__.py": ""})
    project = load(tmp_path)
    assert project.modules == ()
    assert "flit finds no file or folder for module realpython_reader" in notes(project)


# --- pdm ---------------------------------------------------------------------------------------------


def test_pdm_package_dir_and_default_discovery(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": PDM + '[project]\nname = "x"\n[tool.pdm.build]\npackage-dir = "lib"\n',
        "lib/alpha/__init__.py": "", "lib/notpkg/data.txt": "",
    })
    assert modules(load(tmp_path)) == {"alpha": ("lib/alpha", "package")}


def test_pdm_default_src_and_flat(tmp_path: Path) -> None:
    make(tmp_path / "a", {"pyproject.toml": PDM + '[project]\nname = "x"\n', "src/alpha/__init__.py": ""})
    make(tmp_path / "b", {"pyproject.toml": PDM + '[project]\nname = "x"\n', "beta/__init__.py": "", "tests/__init__.py": ""})
    assert modules(load(tmp_path / "a")) == {"alpha": ("src/alpha", "package")}
    assert modules(load(tmp_path / "b")) == {"beta": ("beta", "package")}


def test_pdm_includes(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": PDM + '[project]\nname = "x"\n[tool.pdm.build]\npackage-dir = "src"\nincludes = ["src/alpha", "cli.py"]\n',
        "src/alpha/__init__.py": "", "src/ignored/__init__.py": "", "cli.py": "",
    })
    assert modules(load(tmp_path)) == {"alpha": ("src/alpha", "package"), "cli": ("cli.py", "module")}


# --- maturin -----------------------------------------------------------------------------------------


def test_maturin_extension_module(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": MATURIN + '[project]\nname = "fastthing"\n',
        "Cargo.toml": '[package]\nname = "fast-thing"\n[lib]\nname = "fastthing_rs"\n',
        "src/lib.rs": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"fastthing_rs": ("src", "extension")}
    assert "Cargo.toml" in project.required_files


def test_maturin_mixed_python_source(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": MATURIN + '[project]\nname = "fast"\n[tool.maturin]\npython-source = "python"\nmodule-name = "fast._core"\n',
        "Cargo.toml": '[package]\nname = "fast"\n', "Cargo.lock": "", "src/lib.rs": "",
        "python/fast/__init__.py": "",
    })
    project = load(tmp_path)
    assert modules(project) == {"fast": ("python/fast", "package")}
    assert {"Cargo.toml", "Cargo.lock", "src"} <= set(project.required_files)


# --- other backends ------------------------------------------------------------------------------------


def test_uv_build_default_module(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["uv_build"]\nbuild-backend = "uv_build"\n[project]\nname = "Hello-World"\n',
        "src/hello_world/__init__.py": "",
    })
    project = load(tmp_path)
    assert (project.backend, modules(project)) == ("uv", {"hello_world": ("src/hello_world", "package")})


def test_unknown_backend_falls_back_to_discovery(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = ["scikit-build-core"]\nbuild-backend = "scikit_build_core.build"\n[project]\nname = "x"\n',
        "src/native/__init__.py": "",
    })
    project = load(tmp_path)
    assert project.backend == "scikit_build_core.build"
    assert modules(project) == {"native": ("src/native", "package")}
    assert "not modelled" in notes(project)


def test_unknown_backend_flat_fallback(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": '[build-system]\nbuild-backend = "mesonpy"\n[project]\nname = "x"\n',
        "pkg/__init__.py": "", "tests/__init__.py": "",
    })
    assert modules(load(tmp_path)) == {"pkg": ("pkg", "package")}


# --- scripts and required files ---------------------------------------------------------------------------


def test_scripts_and_gui_scripts(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + textwrap.dedent("""
            [project]
            name = "acme"
            [project.scripts]
            acme = "acme.cli:main"
            [project.gui-scripts]
            acme-gui = "acme.gui:start"
        """),
        "acme/__init__.py": "",
    })
    project = load(tmp_path)
    assert project.scripts == {"acme": "acme.cli:main", "acme-gui": "acme.gui:start"}
    assert project.module_for("acme.cli:main") == ModuleSource("acme", "acme", "package")


def test_required_files_only_those_on_disk(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": SETUPTOOLS + textwrap.dedent("""
            [project]
            name = "acme"
            readme = {file = "docs/README.md", content-type = "text/markdown"}
            license = {file = "LICENSE"}
            license-files = ["LICENSES/*.txt", "NOTICE"]
            [tool.setuptools]
            packages = ["acme"]
            [tool.setuptools.dynamic]
            version = {file = "VERSION"}
        """),
        "acme/__init__.py": "", "docs/README.md": "", "LICENSES/MIT.txt": "", "LICENSES/Apache.txt": "", "VERSION": "1\n",
    })
    project = load(tmp_path)
    assert project.required_files == (
        "pyproject.toml", "docs/README.md", "LICENSES/Apache.txt", "LICENSES/MIT.txt", "VERSION",
    )
    text = notes(project)
    assert "license file LICENSE is declared but does not exist" in text
    assert "license file NOTICE is declared but does not exist" in text


def test_readme_string_and_declared_missing_package_noted(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "x"\nreadme = "README.md"\n[tool.hatch.build.targets.wheel]\npackages = ["src/gone"]\n',
        "README.md": "",
    })
    project = load(tmp_path)
    assert project.required_files == ("pyproject.toml", "README.md")
    assert project.modules == ()  # hatchling ships an empty wheel here
    assert "module gone is declared (tool.hatch packages) but src/gone does not exist" in notes(project)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('include = ["src/acme/**"]\n', {"src": ("src", "namespace")}),
        ('include = ["/src/acme"]\nsources = ["src"]\n', {"acme": ("src/acme", "package")}),
    ],
)
def test_hatch_include_patterns(tmp_path: Path, extra: str, expected: dict) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "x"\n[tool.hatch.build.targets.wheel]\n' + extra,
        "src/acme/__init__.py": "",
    })
    assert modules(load(tmp_path)) == expected


def test_pdm_flat_modules_when_no_package(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": PDM + '[project]\nname = "x"\n', "one.py": "", "two.py": "", "data/readme.txt": ""})
    project = load(tmp_path)
    assert modules(project) == {"one": ("one.py", "module"), "two": ("two.py", "module")}
    assert project.describe() == "x (pdm): modules one, two"


def test_describe_names_paths_when_they_differ(tmp_path: Path) -> None:
    make(tmp_path, {
        "pyproject.toml": HATCH + '[project]\nname = "svc"\n[tool.hatch.build.targets.wheel]\npackages = ["src/api", "src/worker"]\n',
        "src/api/__init__.py": "", "src/worker/__init__.py": "",
    })
    project = load(tmp_path)
    assert project.describe() == "svc (hatchling): modules api from src/api, worker from src/worker"
    assert project.module_paths() == ["src/api", "src/worker"]
    assert project.source_roots == ("src",)
