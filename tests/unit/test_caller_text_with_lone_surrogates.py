"""A lone UTF-16 surrogate in a caller's text (JSON's ``"\\ud800"`` decodes to one) cannot be encoded
as UTF-8: echoed in an error or written in a log line as it is, it broke the error body (a 500) and
lost the log line ("--- Logging error ---"). Echoed, it is shown escaped (``\\ud800``)."""

from __future__ import annotations

import io
import logging
import sys

import orjson

from gateway.api.anthropic_errors import anthropic_error_body
from gateway.caller_text import encodable, shown
from gateway.errors import InvalidRequest, openai_error_body
from gateway.logs import AccessLog, JsonFormatter, TextFormatter, plain

LONE = "team \ud800 and \udfff"


def test_caller_text_with_a_lone_surrogate_is_shown_escaped() -> None:
    assert shown(LONE) == "team \\ud800 and \\udfff"
    assert shown(LONE).encode("utf-8")
    assert shown("a" * 300 + "\ud800").endswith("...")


def test_encodable_text_is_left_as_it_is() -> None:
    text = "caf\u00e9 \U0001f600 \\ud800"
    assert encodable(text) is text
    assert encodable("\ud83d\ude00") == "\\ud83d\\ude00"  # a pair left split is two lone halves


def test_an_error_whose_message_or_param_holds_a_lone_surrogate_serialises_in_every_shape() -> None:
    error = InvalidRequest(f"allowed_models names models that do not exist: {LONE}.", param=f"x{LONE}")

    openai = orjson.loads(orjson.dumps(openai_error_body(error)))
    anthropic = orjson.loads(orjson.dumps(anthropic_error_body(error, "req")))

    assert "\\ud800" in openai["error"]["message"] and "\\udfff" in openai["error"]["param"]
    assert "\\ud800" in anthropic["error"]["message"]


def _record(message: str, fields: dict[str, object], with_exception: bool = False) -> logging.LogRecord:
    exc_info = None
    if with_exception:
        try:
            raise ValueError(message)
        except ValueError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("strata", logging.ERROR, __file__, 1, message, None, exc_info)
    record.fields = fields
    return record


def test_a_json_log_line_whose_message_fields_or_exception_hold_a_lone_surrogate_is_written() -> None:
    line = JsonFormatter().format(_record(f"unhandled {LONE}", {"team": LONE, "n": 1}, with_exception=True))

    parsed = orjson.loads(line)
    assert parsed["msg"] == "unhandled team \\ud800 and \\udfff"
    assert parsed["team"] == shown(LONE) and parsed["n"] == 1
    assert "ValueError: unhandled team \\ud800" in parsed["exception"]


def test_a_text_log_line_with_a_lone_surrogate_can_be_written_as_utf8() -> None:
    line = TextFormatter("%(levelname)s %(message)s").format(_record(LONE, {"team": LONE}, with_exception=True))
    assert line.encode("utf-8") and "\\ud800" in line
    assert plain(LONE).encode("utf-8")


def test_an_access_log_line_with_a_lone_surrogate_is_written_in_either_format() -> None:
    for fmt in ("json", "text"):
        stream = io.StringIO()
        log = AccessLog(enabled=True, fmt=fmt, stream=stream)
        log.record({"path": f"/v1/{LONE}", "status": 404})
        log.flush()
        assert "\\ud800" in stream.getvalue() and stream.getvalue().encode("utf-8")
