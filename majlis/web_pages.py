"""The browser apps' entry pages and static files from ``web_client/``."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

APPS = ("booth", "office", "desk")
# Browser packages installed by npm (package.json), served from node_modules, never copied in.
VENDOR_FILES = {
    "socket.io.esm.min.js": ("socket.io-client", "dist", "socket.io.esm.min.js"),
}


def add_web_client_routes(app: web.Application, web_client_dir: Path) -> None:
    root = web_client_dir.resolve()

    def page(path: Path) -> Handler:
        async def serve_page(_request: web.Request) -> web.FileResponse:
            return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

        return serve_page

    app.router.add_get("/", page(root / "index.html"), name="home")
    for name in APPS:
        app.router.add_get(f"/{name}", page(root / name / "index.html"), name=f"{name}_page")
    node_modules = root.parent / "node_modules"
    for name, parts in VENDOR_FILES.items():
        app.router.add_get(f"/vendor/{name}", vendor(node_modules.joinpath(*parts)))
    app.router.add_static("/static/", root, name="static", follow_symlinks=False)


def vendor(path: Path) -> Handler:
    async def serve_vendor(_request: web.Request) -> web.StreamResponse:
        # A 404 when node_modules is missing: `npm ci` (make run / make test) installs it.
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    return serve_vendor
