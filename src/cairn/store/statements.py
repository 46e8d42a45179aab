"""The statement helpers that `Queries` provides, declared for the query mixins it combines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

# How the backend's SQL reads one top-level key of a `properties` JSON column: an expression with
# one `?` giving the value's JSON text (NULL when the key is absent), and the value for that `?`;
# None for a key the backend's syntax cannot name.
JsonProperty = Callable[[str], tuple[str, str] | None]


class Statements:
    if TYPE_CHECKING:
        json_property: JsonProperty

        def run(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def one(self, statement: str, params: Sequence[Any] = ()) -> Any: ...

        def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]: ...

        def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None: ...
