from datetime import datetime
from typing import Any

from app.schemas.common import ReadModel


class VersionRead(ReadModel):
    version: int
    recorded_at: datetime
    actor: str
    data: dict[str, Any]
