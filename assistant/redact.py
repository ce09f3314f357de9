"""Secrets out of every URL that is shown or logged: ``http://user:password@host`` -> ``http://user:***@host``."""

from __future__ import annotations

import logging
import re

# scheme://user:password@ — the password part is anything up to the "@" that ends the userinfo.
USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]*):(?P<secret>[^\s/@]*)@")


def redact_urls(text: str) -> str:
    """``text`` with the password of every URL's userinfo replaced by ``***``."""
    return USERINFO.sub(lambda m: f"{m.group('head')}:***@", text)


_installed = False


def install_log_redaction() -> None:
    """Redact URL secrets in every log record of the process (ours and the libraries', e.g. openai's debug log)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging itself to report
            return record
        if "@" in message:
            record.msg, record.args = redact_urls(message), None
        return record

    logging.setLogRecordFactory(redacting)
