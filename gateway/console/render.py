"""Pages: Jinja2 templates (autoescaped) rendered with what every page shows (navigation, the
signed-in key, the CSRF token), and small helpers the templates use to show numbers as people
read them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.console.security import HEADERS
from gateway.console.sessions import Session
from gateway.console.tag_text import tags_text

TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("overview", "Overview"),
    ("models", "Models"),
    ("keys", "Keys"),
    ("teams", "Teams"),
    ("usage", "Usage"),
    ("guardrails", "Guardrails"),
    ("playground", "Playground"),
    ("alerts", "Alerts"),
    ("audit", "Audit log"),
)


def number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def usd(value: Any) -> str:
    if value is None:
        return "–"
    amount = float(value)
    return f"${amount:,.4f}" if abs(amount) < 1 else f"${amount:,.2f}"


def ms(value: Any) -> str:
    return "–" if value is None else f"{float(value):,.0f} ms"


def percent(value: Any) -> str:
    return "–" if value is None else f"{float(value) * 100:.1f}%"


def when(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def key_state(key: Any) -> str:
    """What a key's calls meet: "revoked", "expired" (refused with expired_api_key) or "active"."""
    if key.revoked:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
        return "expired"
    return "active"


class Pages:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            number=number, usd=usd, ms=ms, percent=percent, when=when, tags_text=tags_text, key_state=key_state
        )

    def render(
        self, request: Request, template: str, status: int = 200, session: Session | None = None, **context: Any
    ) -> HTMLResponse:
        base: str = request.scope.get("root_path", "")
        page = self.env.get_template(template).render(
            base=base,
            static=f"{base}/static",
            session=session,
            csrf=session.csrf if session is not None else context.pop("csrf", ""),
            nav=NAV,
            path=request.url.path,
            **context,
        )
        return HTMLResponse(page, status_code=status, headers=HEADERS)
