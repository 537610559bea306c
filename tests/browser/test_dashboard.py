"""The operations dashboard in a real browser: a leader opens it, sees the figures rolled up from the registry,
clicks a figure and lands on the list behind it with the same count; the wall screen renders dark, without the
navigation, and carries its own 60-second refresh (and goes back to the login page when the session ends)."""

import os
from pathlib import Path

import pytest

from congvu.dashboard import indicators, rollups
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data

SCREENSHOTS = Path(os.environ.get("CONGVU_SCREENSHOT_DIR", "/tmp"))


def _login(browser, live_server, username, *, width=1366, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "matkhau-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


@pytest.mark.django_db(transaction=True)
def test_figure_opens_the_matching_list_and_the_wall_refreshes_itself(reference_data, live_server, browser, agency,
                                                                      clerk, leader):
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(40 + i),
                                                                             subject=f"Về việc số {i + 1}"))
            for i in range(3)]
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    rollups.rebuild()
    indicators.cache_clear()

    ctx, page = _login(browser, live_server, "lanhdao")
    page.goto(f"{live_server.url}/dashboard/")
    tile = page.locator('a.stat[data-indicator="documents_incoming"]')
    figure = tile.locator(".stat-num").inner_text()
    assert figure == "3"
    assert page.locator('a.stat[data-indicator="documents_outgoing"] .stat-num').inner_text() == "1"
    # every chart is inline SVG drawn on the server, with a table beside it
    assert page.locator("figure.dash-chart svg").count() >= 2
    assert page.locator("table caption", has_text="Văn bản đến theo ngày").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "congvu-dashboard.png"), full_page=True)

    tile.click()
    page.wait_for_url("**/dashboard/items/documents_incoming/**")
    assert page.locator("#items-total").inner_text() == figure
    assert page.locator("#items tbody tr").count() == 3
    listed = sorted(page.locator("#items tbody tr td:first-child a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"))
    assert listed == sorted(f"/documents/{d.pk}/" for d in docs)
    page.screenshot(path=str(SCREENSHOTS / "congvu-dashboard-items.png"), full_page=True)
    # a row opens the document itself
    page.locator("#items tbody tr td:first-child a").first.click()
    page.wait_for_url("**/documents/*/")
    ctx.close()

    ctx, page = _login(browser, live_server, "lanhdao", width=1920, height=1080)
    page.goto(f"{live_server.url}/dashboard/wall/")
    figures = page.locator("#wall-figures")
    assert figures.get_attribute("hx-trigger") == "every 60s"
    assert figures.get_attribute("hx-get").startswith("/dashboard/wall/?")
    assert page.locator('.wall-value[data-figure="documents_incoming"]').inner_text() == "3"
    assert page.locator("nav.mainnav").count() == 0
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 18, 32)"
    # htmx is loaded from this server and answers a refresh with the figures block only
    assert page.evaluate("typeof window.htmx") == "object"
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="99", subject="Về việc mới đến"))
    rollups.rebuild()
    page.evaluate("htmx.ajax('GET', document.querySelector('#wall-figures').getAttribute('hx-get'), "
                  "{target: '#wall-figures', swap: 'outerHTML', select: '#wall-figures'})")
    page.wait_for_function(
        "document.querySelector('.wall-value[data-figure=\"documents_incoming\"]').textContent.trim() === '4'")
    page.screenshot(path=str(SCREENSHOTS / "congvu-dashboard-wall.png"))
    # The session ends (logged out elsewhere): the next refresh brings the login page up instead of a blank wall.
    ctx.clear_cookies()
    page.evaluate("htmx.ajax('GET', document.querySelector('#wall-figures').getAttribute('hx-get'), "
                  "{source: '#wall-figures', target: '#wall-figures', swap: 'outerHTML', select: '#wall-figures'})")
    page.wait_for_url(lambda url: "/login/?next=/dashboard/wall/" in url)
    ctx.close()
