"""The browser app's one HTML shell, per page with the page's modules to preload.

The app is ES modules with no build step, so a browser finds a page's modules one import level
at a time (main.js imports the page, the page its components, they theirs): a round trip per
level before the page can ask for its data. The shell names the page's whole static import graph
as `<link rel="modulepreload">`, read from the modules themselves once, so the browser fetches
them all at once, and a module added later is preloaded without anyone listing it.
"""

import functools
import re
from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parents[2] / "frontend"
STATIC_URL = "/static/"
SHELL = (FRONTEND_DIR / "index.html").read_bytes()
_ENTRY = b'<script type="module"'
# Every static import in our modules is on one line: `import … from "x"`, `import "x"`,
# `export … from "x"`.
_IMPORT = re.compile(r'^\s*(?:import|export)\b[^;"]*?(?:from\s+)?"([^"]+)"', re.MULTILINE)


def _static_path(url: str) -> Path:
    return FRONTEND_DIR / url.removeprefix(STATIC_URL)


def _imports(module: Path) -> list[Path]:
    found = []
    for target in _IMPORT.findall(module.read_text(encoding="utf-8")):
        if target.startswith(STATIC_URL):
            found.append(_static_path(target))
        elif target.startswith("."):
            found.append((module.parent / target).resolve())
    return found


def module_graph(entry: Path) -> list[str]:
    """`entry` and every module it imports statically, transitively, as /static URLs."""
    seen: dict[Path, None] = {}
    waiting = [entry.resolve()]
    while waiting:
        module = waiting.pop()
        if module in seen or not module.is_file():
            continue
        seen[module] = None
        waiting.extend(_imports(module))
    return [STATIC_URL + module.relative_to(FRONTEND_DIR).as_posix() for module in seen]


@functools.cache
def page_shell(page: str, *, signed_in: bool = False) -> bytes:
    """The shell for `frontend/js/pages/{page}.js`. `signed_in`: the page keeps the navigation
    for a signed-in browser (a public page says so, so a signed-out one asks nothing that can
    only answer 401)."""
    links = "".join(
        f'<link rel="modulepreload" href="{url}">\n  '
        for url in module_graph(FRONTEND_DIR / "js" / "pages" / f"{page}.js")
    )
    shell = SHELL.replace(_ENTRY, links.encode() + _ENTRY, 1)
    if signed_in:
        shell = shell.replace(b"<body>", b'<body data-signed-in="true">', 1)
    return shell
