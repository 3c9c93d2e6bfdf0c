"""Every screen a test reaches is checked with axe-core (no serious or critical violation) and,
when ``SCREENSHOTS_DIR`` names a folder (``make screenshots``), photographed there."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}
CHECKED: list[str] = []


def check_screen(page: Page, name: str, direction: str = "rtl", photograph: bool = True) -> None:
    """axe on the page as it is; its screenshot too when it is Arabic and ``photograph`` (a
    screen photographed elsewhere under another name is not photographed twice)."""
    page.wait_for_timeout(300)  # let the screen's text and layout settle
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    serious = [v for v in result if v["impact"] in SERIOUS]
    assert not serious, f"{name}: {json.dumps(serious, ensure_ascii=False)}"
    assert page.evaluate("document.documentElement.dir") == direction, name
    CHECKED.append(name)
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder and direction == "rtl" and photograph:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
