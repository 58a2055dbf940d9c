"""Open a report in headless Chromium (Debian's, driven by Playwright) and watch it.

Every request the page makes is routed here: ``file://`` and ``data:`` pass, anything else
is aborted and recorded, so a test sees any attempt to reach the network. Console errors
and uncaught page errors are recorded too.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Visit:
    """The page and what it did: requests refused, console and page errors."""

    page: object
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextmanager
def open_report(path: Path, width: int = 1280, height: int = 1000):
    """Yield a :class:`Visit` of ``path`` (a local HTML file) in headless Chromium."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="llmvalues-chromium-")
    try:
        with playwright.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport={"width": width, "height": height},
            )
            try:
                page = context.new_page()
                visit = Visit(page)

                def route(r):
                    url = r.request.url
                    if url.startswith(("file://", "data:")):
                        r.continue_()
                    else:
                        visit.external.append(url)
                        r.abort()

                context.route("**/*", route)
                page.on(
                    "console",
                    lambda m: visit.errors.append(m.text) if m.type == "error" else None,
                )
                page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
                page.goto(Path(path).resolve().as_uri())
                page.wait_for_load_state("load")
                yield visit
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
