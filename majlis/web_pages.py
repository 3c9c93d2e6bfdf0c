"""The browser apps' entry pages and static files from ``web_client/``.

An entry page may hold ``<!-- partial: NAME -->`` lines: each is replaced, at start-up, by
``web_client/shared/partials/NAME.html`` at that line's indentation, so the page head and the
staff sign-in form are written once for every app (no build step, no inline script).
"""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

APPS = ("booth", "office", "desk", "admin", "status")  # status: the applicant's, public
# Browser packages installed by npm (package.json), served from node_modules, never copied in.
VENDOR_FILES = {
    "socket.io.esm.min.js": ("socket.io-client", "dist", "socket.io.esm.min.js"),
    "chart.umd.min.js": ("chart.js", "dist", "chart.umd.min.js"),  # the desk's report charts
}


def add_web_client_routes(app: web.Application, web_client_dir: Path) -> None:
    root = web_client_dir.resolve()

    partials = root / "shared" / "partials"

    def page(path: Path) -> Handler:
        html = render_page(path, partials)

        async def serve_page(_request: web.Request) -> web.Response:
            return web.Response(
                text=html, content_type="text/html", headers={"Cache-Control": "no-cache"}
            )

        return serve_page

    app.router.add_get("/", page(root / "index.html"), name="home")
    for name in APPS:
        app.router.add_get(f"/{name}", page(root / name / "index.html"), name=f"{name}_page")
    node_modules = root.parent / "node_modules"
    for name, parts in VENDOR_FILES.items():
        app.router.add_get(f"/vendor/{name}", vendor(node_modules.joinpath(*parts)))
    app.router.add_static("/static/", root, name="static", follow_symlinks=False)


PARTIAL = re.compile(r"^([ \t]*)<!-- partial: ([a-z_]+) -->$", re.MULTILINE)


def render_page(path: Path, partials: Path) -> str:
    """The page with each partial line replaced by that partial, indented like the line."""

    def insert(match: re.Match[str]) -> str:
        indent, name = match.groups()
        text = (partials / f"{name}.html").read_text(encoding="utf-8").rstrip("\n")
        return "\n".join(indent + line if line else line for line in text.split("\n"))

    return PARTIAL.sub(insert, path.read_text(encoding="utf-8"))


def vendor(path: Path) -> Handler:
    async def serve_vendor(_request: web.Request) -> web.StreamResponse:
        # A 404 when node_modules is missing: `npm ci` (make run / make test) installs it.
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    return serve_vendor
