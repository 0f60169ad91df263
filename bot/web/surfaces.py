"""What Vigil's web server serves: each web feature adds its surface here, built from the services."""

from __future__ import annotations

from bot.context import Services
from bot.feed.web import FeedSurface
from bot.settings import Settings
from bot.web.desk.surface import DeskSurface
from bot.web.operations import OperationsSurface
from bot.web.server import WebSurface


def web_surfaces(services: Services, settings: Settings) -> list[WebSurface]:
    """Every surface on the web server, in the order their routes are matched."""
    surfaces: list[WebSurface] = [DeskSurface(services, settings)]
    surfaces.append(OperationsSurface(services.operations, metrics=False))  # /healthz (issue 21)
    if services.feed is not None:
        surfaces.append(FeedSurface(services.feed, settings.web_url))
    return surfaces
