"""The statement helpers that `Queries` provides, declared for the query mixins it combines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any


class Statements:
    if TYPE_CHECKING:

        def run(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def one(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]: ...

        def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None: ...
