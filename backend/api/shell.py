"""The browser app's one HTML shell, per page with the page's modules to preload.

The app is ES modules with no build step, so a browser finds a page's modules one import level
at a time (main.js imports the page, the page its components, they theirs): a round trip per
level before the page can ask for its data. The shell names the page's whole static import graph
as `<link rel="modulepreload">`, read from the modules themselves, so the browser fetches them
all at once, and a module added later is preloaded without anyone listing it. Each page's graph
is read once per process: a module edited under a running server shows after a restart.
"""

import functools
import re
from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend"
STATIC_URL = "/static/"
SHELL = (FRONTEND_DIR / "index.html").read_bytes()
_ENTRY = b'<script type="module"'
_ENTRY_SOURCE = re.search(rb'<script type="module" src="([^"]+)"', SHELL)
assert _ENTRY_SOURCE is not None, "index.html loads its entry module with a <script type=module>"
MAIN_URL = _ENTRY_SOURCE.group(1).decode()
"""The shell's own entry script: the browser asks for it anyway, its imports it does not know."""
# A static import or re-export, possibly over several lines: `import "x"`, `import a, { b as c }
# from "x"`, `import * as a from "x"`, `export { a } from "x"`, `export * from "x"`. Only an
# import clause (names, braces, commas, `*`) may stand before `from`, so no other string counts.
_IMPORT = re.compile(
    r'^\s*(?:import|export)\b\s*(?:[\w$*{},\s]+?\s*from\s*)?"([^"]+)"', re.MULTILINE
)


def _static_path(url: str, root: Path = FRONTEND_DIR) -> Path:
    return root / url.removeprefix(STATIC_URL)


def _imports(module: Path, root: Path) -> list[Path]:
    found = []
    for target in _IMPORT.findall(module.read_text(encoding="utf-8")):
        if target.startswith(STATIC_URL):
            found.append(_static_path(target, root))
        elif target.startswith("."):
            found.append(module.parent / target)
    return found


def module_graph(entries: list[Path], root: Path = FRONTEND_DIR) -> list[str]:
    """Every module the `entries` import statically, transitively, with the entries, as /static
    URLs. Only files under `root` count: an import that points elsewhere is the browser's
    to refuse, not the shell's."""
    root = root.resolve()
    seen: dict[Path, None] = {}
    waiting = [entry.resolve() for entry in reversed(entries)]
    while waiting:
        module = waiting.pop()
        if module in seen or not module.is_relative_to(root) or not module.is_file():
            continue
        seen[module] = None
        waiting.extend(path.resolve() for path in _imports(module, root))
    return [STATIC_URL + module.relative_to(root).as_posix() for module in seen]


@functools.cache
def _preloads(page: str) -> bytes:
    """The page's modules (and main.js's), as preload links: read once per page."""
    entries = [_static_path(MAIN_URL), FRONTEND_DIR / "js" / "pages" / f"{page}.js"]
    return "".join(
        f'<link rel="modulepreload" href="{url}">\n  '
        for url in module_graph(entries)
        if url != MAIN_URL
    ).encode()


@functools.cache
def page_shell(page: str, *, signed_in: bool = False) -> bytes:
    """The shell for `frontend/js/pages/{page}.js`. `signed_in`: the page keeps the navigation
    for a signed-in browser (a public page says so, so a signed-out one asks nothing that can
    only answer 401)."""
    shell = SHELL.replace(_ENTRY, _preloads(page) + _ENTRY, 1)
    if signed_in:
        shell = shell.replace(b"<body>", b'<body data-signed-in="true">', 1)
    return shell
