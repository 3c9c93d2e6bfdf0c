"""The entry pages are assembled from shared partials (one head, one staff sign-in form)."""

from __future__ import annotations

from pathlib import Path

import pytest

from majlis.web_pages import render_page

WEB_CLIENT = Path(__file__).parents[3] / "web_client"
PARTIALS = WEB_CLIENT / "shared" / "partials"
PAGES = ["index.html", "booth/index.html", "office/index.html", "desk/index.html"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_gets_the_shared_head_and_keeps_no_partial_marker(page: str) -> None:
    html = render_page(WEB_CLIENT / page, PARTIALS)
    assert "<!-- partial:" not in html
    assert '<link rel="stylesheet" href="/static/shared/style.css">' in html
    assert html.count("<meta charset") == 1


@pytest.mark.parametrize("page", ["office/index.html", "desk/index.html"])
def test_the_staff_pages_share_one_sign_in_form(page: str) -> None:
    html = render_page(WEB_CLIENT / page, PARTIALS)
    assert html.count('id="signin-form"') == 1
    assert '    <section data-screen="signin" hidden>' in html  # indented like the marker


def test_a_partial_that_does_not_exist_fails_at_start_up(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<body>\n  <!-- partial: nowhere -->\n</body>\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        render_page(page, tmp_path)
