"""Imports run one way (issue 12): lib ← accounts ← organisations ← bilans (the core) ← compliance
← api shell ← features (in a declared order) ← interfaces (bilan/portal, config).

Every non-migration module of bilan/ and config/ is parsed with ast; its imports, at module
level and inside functions (those under `if TYPE_CHECKING:` aside), must point to its own app or
to a lower layer. Tests (test_*.py, tests.py, conftest.py) are exempt from the direction (they
assemble what they check), not from the `# why:` rule; a `testing.py` helper is not a test.

Where compliance sits: it is the audit trail, the access journal and the retention of bilan
content, and all three read bilans (the bilan's organisation for a refused read, the bilans a
user may see for the journal's references). So it sits on the core. What the core itself needs
from « content » is only the declaration (the abstract `Content` base its own BilanFraming uses,
the retention classes): that lives in the core (`bilan/bilans/content.py`, re-exported as
`bilan.bilans.content`), and the core's page records the reads it shows through a hook
compliance registers (`bilan/bilans/reads.py`), as followup registers closing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bilan", "config")

# The layers under the features; a higher number may import a lower one, never the reverse.
CORE_LAYERS = {
    "lib": 0,
    "accounts": 1,
    "organisations": 2,
    "bilans": 3,
    "compliance": 4,
    "api": 5,  # the API shell: NinjaAPI object, auth, errors, schemas, the core's operations
}
FEATURE_LAYER = 6
# Features may import only features declared before them. An app named nowhere here is a
# feature placed after all of these (it may import them; they may not import it).
FEATURE_ORDER = [
    "entretiens",
    "exchanges",
    "exercises",
    "assessments",
    "careers",
    "followup",
    "documents",
    "funding",  # the provider's side (issues 13–16): routes and contracts,
    "billing",  # quotes and invoices (a share's payer),
    "quality",  # the Qualiopi system,
    "lifecycle",  # retention and destruction of everything above
    "worker",
]
# The assembly: nothing below imports it. The demo seeds every feature's data (each feature
# gives its own seeding function), so it sits above them all, with the interfaces.
INTERFACES = {"demo": 7, "portal": 8, "config": 9}


def is_test(path: Path) -> bool:
    return path.name.startswith("test_") or path.name in ("tests.py", "conftest.py")


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to ("bilan.careers.models" → "careers")."""
    parts = module.split(".")
    if parts[0] == "config":
        return "config"
    if parts[0] == "bilan" and len(parts) > 1:
        return parts[1]
    return None


def rank(app: str) -> tuple[int, int]:
    if app in CORE_LAYERS:
        return CORE_LAYERS[app], 0
    if app in INTERFACES:
        return INTERFACES[app], 0
    if app in FEATURE_ORDER:
        return FEATURE_LAYER, FEATURE_ORDER.index(app)
    return FEATURE_LAYER, len(FEATURE_ORDER)


def may_import(importer: str, target: str) -> bool:
    if importer == target:
        return True
    return rank(target) < rank(importer)


def layer_name(app: str) -> str:
    if app in CORE_LAYERS:
        return f"{app} (layer {CORE_LAYERS[app]})"
    if app in INTERFACES:
        return f"{app} (interfaces)"
    position = FEATURE_ORDER.index(app) if app in FEATURE_ORDER else "undeclared"
    return f"{app} (feature #{position})"


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the dotted module imported (for `from bilan import x`, "bilan.x")
    in_function: bool
    has_why: bool


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(rel: str) -> str:
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, rel: str) -> list[Import]:
    """The project imports of the file at `path`, which sits at `rel` in the project."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    found: list[Import] = []
    explained: set[ast.AST] = set()

    def why(node: ast.stmt) -> bool:
        first, last = node.lineno, node.end_lineno or node.lineno
        candidates = [first - 1, *range(first, last + 1)]
        return any(0 < n <= len(lines) and "# why:" in lines[n - 1] for n in candidates)

    def visit(node: ast.AST, in_function: bool) -> None:
        previous: ast.AST | None = None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    visit_stmt(sub, in_function)
                previous = child
                continue
            # A `# why:` above a run of adjacent imports covers the whole run.
            if (
                isinstance(child, ast.Import | ast.ImportFrom)
                and isinstance(previous, ast.Import | ast.ImportFrom)
                and previous.end_lineno == child.lineno - 1
                and previous in explained
            ):
                explained.add(child)
            visit_stmt(child, in_function)
            previous = child

    def visit_stmt(child: ast.AST, in_function: bool) -> None:
        if isinstance(child, ast.Import):
            for alias in child.names:
                add(child, alias.name, in_function)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:  # relative: resolve against this module's package
                package = module_name(rel).split(".")
                if path.name != "__init__.py":
                    package.pop()
                package = package[: len(package) - (child.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            if base in PACKAGES:  # `from bilan import careers`
                for alias in child.names:
                    add(child, f"{base}.{alias.name}", in_function)
            else:
                add(child, base, in_function)
        nested = in_function or isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        visit(child, nested)

    def add(node: ast.stmt, module: str, in_function: bool) -> None:
        if why(node):
            explained.add(node)
        if module.split(".")[0] in PACKAGES:
            found.append(Import(node.lineno, module, in_function, node in explained))

    visit(tree, False)
    return found


def project_modules() -> list[Path]:
    return sorted(
        p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts and "__pycache__" not in p.parts
    )


def violations_in(path: Path, rel: str) -> list[str]:
    """Each import of one module against the rules, as "file:line: module — rule"."""
    found = []
    importer = app_of(module_name(rel)) or "lib"
    for imp in imports_of(path, rel):
        where = f"{rel}:{imp.line}"
        target = app_of(imp.module)
        if target is None:
            continue
        if not is_test(Path(rel)) and not may_import(importer, target):
            found.append(
                f"{where}: {imp.module} — {layer_name(importer)} may not import "
                f"{layer_name(target)}"
            )
        if imp.in_function and not imp.has_why:
            found.append(
                f"{where}: {imp.module} — an import inside a function needs a "
                "`# why:` comment on its line or the line above (else import at module level)"
            )
    return found


def violations() -> list[str]:
    return [v for path in project_modules() for v in violations_in(path, relative(path))]


def test_imports_run_one_way() -> None:
    found = violations()
    assert not found, "Imports against the layers:\n" + "\n".join(found)


# ---- the test's own behaviour ----------------------------------------------------------------


def test_layer_order() -> None:
    assert may_import("bilans", "lib") and not may_import("lib", "bilans")
    assert may_import("api", "compliance") and not may_import("bilans", "compliance")
    assert may_import("careers", "exercises") and not may_import("exercises", "careers")
    assert may_import("documents", "followup") and not may_import("followup", "documents")
    # An app declared nowhere is a feature after the declared ones, below the interfaces.
    assert may_import("newfeature", "worker") and not may_import("worker", "newfeature")
    assert may_import("demo", "newfeature") and not may_import("newfeature", "demo")
    assert not may_import("newfeature", "otherfeature")
    assert may_import("newfeature", "api") and not may_import("api", "newfeature")
    assert may_import("portal", "newfeature") and not may_import("newfeature", "portal")
    assert may_import("config", "portal") and not may_import("portal", "config")


def test_imports_are_parsed(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from bilan.bilans.models import Bilan\n"
        "if TYPE_CHECKING:\n"
        "    from bilan.careers.models import CareerOption\n"
        "def f():\n"
        "    from bilan.documents import synthese\n"
        "    # why: documents imports this module\n"
        "    from bilan.followup.models import Action\n"
        "    import bilan.exercises.models  # why: a reason\n"
        "    from bilan.careers import matching\n"
        "\n"
        "    from bilan.careers import pistes\n"
        "\n"
        "from bilan import demo\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    found = [(i.module, i.in_function, i.has_why) for i in imports_of(module, "bilan/lib/p.py")]
    assert found == [
        ("bilan.bilans.models", False, False),
        ("bilan.documents", True, False),
        ("bilan.followup.models", True, True),
        ("bilan.exercises.models", True, True),
        ("bilan.careers", True, True),  # in the run of imports the why above covers
        ("bilan.careers", True, False),  # after a blank line: a why of its own
        ("bilan.demo", False, False),
        ("bilan.lib", False, False),  # relative, resolved against the module's package
    ]


def test_violations_name_the_file_line_and_rule(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "def f():\n    from bilan.lib import dates\n\nfrom bilan.bilans import models\n",
        encoding="utf-8",
    )
    assert violations_in(module, "bilan/lib/probe.py") == [
        "bilan/lib/probe.py:2: bilan.lib — an import inside a function needs a "
        "`# why:` comment on its line or the line above (else import at module level)",
        "bilan/lib/probe.py:4: bilan.bilans — lib (layer 0) may not import bilans (layer 3)",
    ]
    # A test module may import any layer, but not hide an import in a function without a why.
    assert violations_in(module, "bilan/lib/test_probe.py") == [
        "bilan/lib/test_probe.py:2: bilan.lib — an import inside a function needs a "
        "`# why:` comment on its line or the line above (else import at module level)",
    ]
