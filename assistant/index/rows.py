"""Read access to a catalog's ``rows.sqlite`` (``catalog.py``): columns, the row of a chunk id and the rows of a
record, read per row and never all at once; the last ``READ_CACHE`` rows of a column are kept decoded."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

READ_CACHE = 4096  # rows of a column kept decoded per process (a few MB)


class CatalogMissing(RuntimeError):
    """No usable persisted catalog: absent, of another format, or not matching the collection."""


class Rows:
    """Read access to ``rows.sqlite``: one connection per process, shared by threads under a lock."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise CatalogMissing(f"no catalog rows in {path.parent}")
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.lock = threading.Lock()
        self.size = self.one("SELECT count(*) FROM chunks", ())

    def one(self, sql: str, args: tuple[Any, ...]) -> Any:
        with self.lock:
            found = self.db.execute(sql, args).fetchone()
        return None if found is None else found[0]

    def all(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        with self.lock:
            return [r[0] for r in self.db.execute(sql, args).fetchall()]

    def column(self, name: str) -> Column:
        return Column(self, name)

    def row_of(self) -> RowOf:
        return RowOf(self)

    def records(self, count: int) -> RecordRows:
        return RecordRows(self, count)


class Column(Sequence[Any]):
    """One column of the chunk rows, read per row (``meta`` is decoded from JSON)."""

    def __init__(self, rows: Rows, name: str) -> None:
        self.rows, self.name = rows, name
        self.decode = json.loads if name == "meta" else None
        # the rows a process reads recur (a search's candidates, then the answer's sources): the last ones read are
        # kept, decoded; a meta is flat, so a shallow copy keeps a caller's change out of the cache
        self._read = lru_cache(maxsize=READ_CACHE)(self._read_row)

    def __len__(self) -> int:
        return int(self.rows.size)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._read(int(index) + (len(self) if index < 0 else 0))
        return dict(value) if self.decode else value

    def _read_row(self, i: int) -> Any:
        value = self.rows.one(f"SELECT {self.name} FROM chunks WHERE row = ?", (i,))
        if value is None:
            raise IndexError(i)
        return self.decode(value) if self.decode else value

    def __iter__(self) -> Iterator[Any]:
        for value in self.rows.all(f"SELECT {self.name} FROM chunks ORDER BY row", ()):
            yield self.decode(value) if self.decode else value


class RowOf(Mapping[str, int]):
    """Chunk id -> row."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def __getitem__(self, cid: str) -> int:
        found = self.rows.one("SELECT row FROM chunks WHERE id = ?", (cid,))
        if found is None:
            raise KeyError(cid)
        return int(found)

    def __len__(self) -> int:
        return int(self.rows.size)

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.all("SELECT id FROM chunks ORDER BY row", ()))


class RecordRows(Mapping[str, list[int]]):
    """Record id -> its chunks' rows."""

    def __init__(self, rows: Rows, count: int) -> None:
        self.rows, self.count = rows, count

    def __getitem__(self, rid: str) -> list[int]:
        found = self.rows.all("SELECT row FROM chunks WHERE record_id = ? ORDER BY row", (rid,))
        if not found:
            raise KeyError(rid)
        return [int(r) for r in found]

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.all("SELECT DISTINCT record_id FROM chunks ORDER BY row", ()))

    def first_rows(self) -> dict[str, int]:
        with self.rows.lock:
            found = self.rows.db.execute("SELECT record_id, min(row) FROM chunks GROUP BY record_id").fetchall()
        return {rid: int(row) for rid, row in found}
