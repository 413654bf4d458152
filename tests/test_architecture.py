"""The shape of the package, as ARCHITECTURE.md describes it, checked on the source itself."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import mltrl_docs
from mltrl_docs.errors import MltrlError
from mltrl_docs.site.kinds import PAGE_KINDS, PageKind

PACKAGE = Path(mltrl_docs.__file__).parent
FRONT_ENDS = ("plugin.py",)
"""Modules that may import a site engine; everything else is the engine-independent core."""
OPTIONAL = {"fcntl", "git", "rich", "change", "bundle", "public", "export", "history.analytics", "site.view"}
"""Modules imported where they are used: ``fcntl`` (some systems lack it), GitPython (slow to import, needed
only to find a site's forge), rich (slow to import, needed only to draw progress on a terminal), the
comparison with a ref (:mod:`mltrl_docs.change`, slow to import, needed only by ``mltrl check --base``), the
public bundle (needed only by ``mltrl export --bundle``) and
what only publishing needs (the public filter, the export, the analytics and the site's view: a build imports
them when a stage first asks, so that ``mltrl check`` starts without them)."""


def modules() -> dict[str, ast.Module]:
    return {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))}


def imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


def test_the_command_imports_only_what_it_runs():
    """``mltrl check`` loads neither the comparison with a ref, nor the bundle, nor the page renderer, nor what
    only publishing needs (the site's view, the analytics, the export, the public filter)."""
    code = ("import sys; from mltrl_docs.cli import build_parser; build_parser('check'); "
            "import mltrl_docs.build; print(sorted(m for m in sys.modules if m.startswith(("
            "'mltrl_docs.cli.', 'mltrl_docs.change', 'mltrl_docs.bundle', 'mltrl_docs.site.', 'mltrl_docs.export', "
            "'mltrl_docs.history.analytics', 'mltrl_docs.public', 'jinja2', 'nh3'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(["mltrl_docs.cli.check", "mltrl_docs.cli.common", "mltrl_docs.cli.targets",
                                         "mltrl_docs.cli.terminal"])


def test_the_export_imports_the_bundle_only_to_write_one():
    code = ("import sys; from mltrl_docs.cli import build_parser; build_parser('export'); "
            "print(sorted(m for m in sys.modules if m.startswith(('mltrl_docs.bundle', 'mltrl_docs.site.'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_only_the_plugin_imports_mkdocs():
    found = [(name, module) for name, tree in modules().items() if name not in FRONT_ENDS
             for node in ast.walk(tree) for module in imported(node) if module.split(".")[0] == "mkdocs"]
    assert found == []


def test_no_dynamic_imports_and_no_private_names_across_modules():
    problems = []
    for name, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
                problems.append(f"{name}: __import__")
            # The command imports the module of the subcommand it runs by name, and nothing else does.
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" \
                    and name != "cli/__init__.py":
                problems.append(f"{name}: import_module")
            if isinstance(node, ast.ImportFrom) and node.level:
                problems += [f"{name}: {alias.name} from {node.module}" for alias in node.names
                             if alias.name.startswith("_") and alias.name != "__version__"]
    assert problems == []


def test_imports_inside_functions_are_only_for_optional_modules():
    found = []
    for name, tree in modules().items():
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                found += [f"{name}:{node.lineno} {module}" for module in imported(node)
                          if module not in OPTIONAL and module.split(".")[0] not in OPTIONAL]
    assert found == []


def test_every_error_the_package_raises_is_an_mltrl_error():
    classes = []
    for info in pkgutil.walk_packages(mltrl_docs.__path__, "mltrl_docs."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        classes += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                    if issubclass(cls, BaseException) and cls.__module__ == info.name]
    assert classes, "the package defines errors"
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, MltrlError)] == []


def test_page_kinds_are_listed_once_and_say_what_they_are():
    names = [kind.name for kind in PAGE_KINDS]
    assert len(set(names)) == len(names) == len({type(kind) for kind in PAGE_KINDS})
    assert all(isinstance(kind, PageKind) and type(kind) is not PageKind for kind in PAGE_KINDS)
    assert [kind.name for kind in PAGE_KINDS if kind.cached] == ["technology"]
    assert [kind.name for kind in PAGE_KINDS if kind.below_docs_page] == ["portfolio"]
    # No code compares a page's kind by name.
    uses = [f"{name}:{node.lineno}" for name, tree in modules().items() for node in ast.walk(tree)
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "kind"
            and isinstance(getattr(node.left.value, "id", None), str) and node.left.value.id == "spec"]
    assert uses == []


def test_every_declared_dependency_is_used():
    """Each runtime dependency in pyproject.toml is imported by the package, or is the theme its sites name."""
    import tomllib

    declared = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {entry.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower() for entry in declared}
    import_name = {"markdown-it-py": "markdown_it", "pyyaml": "yaml", "gitpython": "git", "mkdocs-material": "material",
                   "mdit-py-plugins": "mdit_py_plugins"}
    used = {module.split(".")[0] for tree in modules().values() for node in ast.walk(tree) for module in imported(node)}
    themes = {"material"}  # the theme of the mkdocs.yml files the package writes (bundle, demo), never imported
    missing = sorted(name for name in names if import_name.get(name, name) not in used | themes)
    assert missing == []
