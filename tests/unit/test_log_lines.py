"""A caller cannot write a log line of its own: control characters in what it sends (a path's
%0a, an upstream's message, a header) are escaped in text-format lines as JSON escapes them."""

from __future__ import annotations

import io
import logging

from gateway.logs import LOG, AccessLog, TextFormatter, plain

FORGED = "x\n2026-12-05 00:00:00,000 ERROR strata.access FORGED key_id=master"


def test_control_characters_are_escaped_in_text_values() -> None:
    assert plain(FORGED).count("\n") == 0 and "\\n2026" in plain(FORGED)
    assert plain("a\r\x1bb\tc") == "a\\r\\x1bb\\tc"


def test_a_text_log_line_stays_one_line_whatever_its_message_and_fields_hold() -> None:
    record = logging.LogRecord("strata", logging.WARNING, __file__, 1, f"failed: {FORGED}", None, None)
    record.fields = {"detail": FORGED}
    line = TextFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "\n" not in line and line.count("FORGED") == 2


def test_a_text_access_log_line_stays_one_line() -> None:
    stream = io.StringIO()
    log = AccessLog(enabled=True, fmt="text", stream=stream)
    line = log._format(0.0, {"path": "/" + FORGED, "status": 404})
    assert "\n" not in line and LOG.name == "strata"
