"""A real headless Chromium for tests and screenshots (Playwright driving the system's Chromium).

    with Browser() as browser:
        page = browser.open(path_or_url, width=390)
        assert page.scroll_width() <= page.inner_width()     # no sideways scrolling
        page.click("a#next"); page.type("input[type=search]", "Kursk")
        page.screenshot("docs/img/site.png")

The browser is Debian's `chromium` (`scripts/setup-test-tools` installs it), never one downloaded
by Playwright: `NEWSWATCH_CHROMIUM` names another executable. Pages open from `file://` or from
a server on 127.0.0.1; any other address is refused by a route, so a test cannot leave loopback.
Errors the page's own scripts throw are collected (`page.errors`) for tests to assert on.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from playwright.sync_api import Browser as _Chromium
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Playwright, Route, sync_playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HEIGHT = 900
TIMEOUT_MS = 10_000  # for an element to appear or a page to load: local pages are quick


class BrowserMissing(RuntimeError):
    """No Chromium to drive: run scripts/setup-test-tools."""


def chromium_path() -> str:
    """The Chromium executable: `NEWSWATCH_CHROMIUM`, else /usr/bin/chromium, else on PATH."""
    wanted = os.environ.get("NEWSWATCH_CHROMIUM")
    for candidate in (wanted, DEFAULT_CHROMIUM, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserMissing(
        f"no Chromium at {wanted or DEFAULT_CHROMIUM} nor on PATH: run scripts/setup-test-tools"
    )


class BrowserPage:
    """One open page at a fixed viewport width."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.refused: list[str] = []  # requests to anything but loopback, refused
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.route("**/*", self._loopback_only)

    def _loopback_only(self, route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in {"file", "data", "about", "blob"} or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort("blockedbyclient")

    @property
    def url(self) -> str:
        return self.page.url

    def scroll_width(self) -> int:
        """The document's full width (wider than the viewport when it scrolls sideways)."""
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def inner_width(self) -> int:
        return int(self.page.evaluate("window.innerWidth"))

    def overflows(self) -> bool:
        return self.scroll_width() > self.inner_width()

    def click(self, selector: str) -> None:
        """Click the first element matching `selector` and wait for any navigation to settle."""
        self.page.locator(selector).first.click()
        self.page.wait_for_load_state()

    def type(self, selector: str, text: str) -> None:
        """Type into a field as a user would (key by key, so input events fire)."""
        field = self.page.locator(selector).first
        field.fill("")
        field.press_sequentially(text)

    def select(self, selector: str, value: str) -> None:
        self.page.locator(selector).first.select_option(value)

    def text(self, selector: str = "body") -> str:
        return self.page.locator(selector).first.inner_text()

    def texts(self, selector: str) -> list[str]:
        """The visible text of every visible element matching `selector`."""
        loc = self.page.locator(f"{selector} >> visible=true")
        return [loc.nth(k).inner_text() for k in range(loc.count())]

    def screenshot(self, path: str | Path, *, full_page: bool = True) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(target), full_page=full_page)
        return target


class Browser:
    """Headless Chromium for the length of a `with` block."""

    def __init__(self, executable: str | None = None) -> None:
        self._executable = executable
        self._playwright: Playwright | None = None
        self._chromium: _Chromium | None = None

    def __enter__(self) -> Browser:
        executable = self._executable or chromium_path()
        self._playwright = sync_playwright().start()
        try:
            self._chromium = self._playwright.chromium.launch(
                executable_path=executable, headless=True
            )
        except PlaywrightError as exc:
            self._playwright.stop()
            raise BrowserMissing(f"cannot start Chromium at {executable}: {exc}") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._chromium is not None:
            self._chromium.close()
        if self._playwright is not None:
            self._playwright.stop()

    def open(self, target: str | Path, *, width: int = 1200, height: int = HEIGHT) -> BrowserPage:
        """Open a URL (http://127.0.0.1…, file://…) or a local file at a viewport width."""
        if self._chromium is None:
            raise RuntimeError("use Browser() in a with block")
        url = target.resolve().as_uri() if isinstance(target, Path) else str(target)
        page = self._chromium.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(TIMEOUT_MS)
        wrapped = BrowserPage(page)
        page.goto(url, wait_until="load")
        return wrapped
