"""The development log format keeps one record on one line, whatever a request path holds."""

import logging

from django.conf import settings
from django.test import Client

from portal import logs


def plain_formatter() -> logging.Formatter:
    spec = dict(settings.LOGGING["formatters"]["plain"])
    factory = spec.pop("()")
    assert factory == "portal.logs.PlainFormatter"
    return logs.PlainFormatter(spec["format"])


def test_control_characters_in_a_message_are_escaped():
    record = logging.LogRecord(
        "portal.request",
        logging.INFO,
        __file__,
        1,
        "GET %s 404",
        ("/x\nFAKE ok\r\t\x1b[31m",),
        None,
    )
    record.request_id = "r1"

    line = plain_formatter().format(record)

    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.endswith("[r1] GET /x\\nFAKE ok\\r\\t\\u001b[31m 404")


def test_a_traceback_still_follows_on_its_own_lines():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "portal",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            exc_info=__import__("sys").exc_info(),
        )
    record.request_id = "r2"

    text = plain_formatter().format(record)

    assert text.splitlines()[0].endswith("[r2] failed")
    assert "ValueError: boom" in text


def test_a_newline_in_a_requested_path_stays_on_one_log_line(db, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    Client().get("/healthz%0AFORGED%20line")

    lines = [plain_formatter().format(r) for r in caplog.records if r.name == "portal.request"]
    assert lines and all("\n" not in line for line in lines)
    assert any("/healthz\\nFORGED line" in line for line in lines)
