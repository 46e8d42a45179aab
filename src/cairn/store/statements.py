"""The statement helpers that `Queries` provides, declared for the query mixins it combines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

# A top-level property of an `properties` JSON column, in the backend's SQL: (an expression with
# one `?` that gives the property's JSON text, or NULL when it is absent; the value for that
# `?`). None for a key the backend's syntax cannot name.
JsonProperty = Callable[[str], tuple[str, str] | None]


class Statements:
    if TYPE_CHECKING:
        json_property: JsonProperty

        def run(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def one(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]: ...

        def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None: ...
