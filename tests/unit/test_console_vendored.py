"""The console's vendored front-end files are the ones recorded (version, licence, SHA-256) in
gateway/console/static/VENDORED.md, and no page loads anything from another site."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import gateway.console

STATIC = Path(gateway.console.__file__).parent / "static"
TEMPLATES = Path(gateway.console.__file__).parent / "templates"
# | `file` | package | version | licence | `sha256` |
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| [^|]+ \| [^|]+ \| [^|]+ \| `(?P<sha>[0-9a-f]{64})` \|$")


def _recorded() -> dict[str, str]:
    text = (STATIC / "VENDORED.md").read_text()
    return {m["file"]: m["sha"] for line in text.splitlines() if (m := ROW.match(line))}


def test_every_vendored_file_has_the_recorded_hash() -> None:
    recorded = _recorded()
    assert recorded, "VENDORED.md lists no files"
    for name, sha in recorded.items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == sha, f"{name} differs from VENDORED.md"


def test_no_vendored_file_is_left_out_of_the_record() -> None:
    present = {str(path.relative_to(STATIC)) for path in (STATIC / "vendor").rglob("*") if path.is_file()}
    assert present == set(_recorded())


def test_every_vendored_script_has_its_licence_beside_it() -> None:
    names = set(_recorded())
    assert {"vendor/htmx-LICENSE.txt", "vendor/uPlot-LICENSE.txt", "vendor/swagger-ui/LICENSE.txt"} <= names


def test_no_page_loads_anything_from_another_site() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), f"{template.name} loads from another site"
        assert "<script>" not in text and " style=" not in text, f"{template.name} has inline script or style"
