"""Structured JSON log lines (stdlib logging; no patient data is ever passed to a logger)."""

import json
import logging
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_NOISE = {"color_message"}  # uvicorn's ANSI-coloured copy of the message


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD and k not in _NOISE}
        )
        return json.dumps(line, default=str)


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    quiet_libraries(root.level)


def quiet_libraries(level: int) -> None:
    """Keep the libraries' own lines that could carry patient data or secrets out."""
    # Drivers log statements with their parameters (patient data) at DEBUG, SQLAlchemy every
    # statement at INFO (a dozen lines a request): none of that reaches the service's log.
    for driver in ("aiosqlite", "asyncpg"):
        logging.getLogger(driver).setLevel(max(logging.INFO, level))
    # httpx logs every request's URL at INFO: a webhook URL's query may hold a token.
    for chatty in ("sqlalchemy.engine", "sqlalchemy.pool", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
