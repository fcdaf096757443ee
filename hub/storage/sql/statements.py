from __future__ import annotations

from sqlalchemy import Engine


class SqlStatementStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
