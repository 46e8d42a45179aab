import pytest
from starlette.datastructures import QueryParams

from cairn.dashboard.views.metrics import check_choice
from cairn.dashboard.views.profiles import check_cursor


def test_chart_choice_defaults() -> None:
    choice = check_choice(QueryParams("to=2024-03-30"))
    assert (choice.unit, choice.measurement, choice.by, choice.top) == ("day", "count", None, 5)
    assert choice.span.days == 30


def test_chart_choice_reads_every_parameter() -> None:
    choice = check_choice(
        QueryParams("from=2024-01-01&to=2024-01-31&unit=week&measurement=unique&by=Brand&top=3")
    )
    assert (choice.unit, choice.measurement, choice.by, choice.top) == (
        "week",
        "unique",
        "Brand",
        3,
    )


@pytest.mark.parametrize(
    "query",
    [
        "unit=year",
        "measurement=sum",
        "top=0",
        "top=21",
        "top=x",
        "from=2024-02-30",
        "from=2024-01-01&to=2024-02-01&by=Brand",
        "from=2024-01-01&to=2024-02-01&measurement=unique",
    ],
)
def test_chart_choice_refuses_bad_parameters(query: str) -> None:
    with pytest.raises(ValueError):
        check_choice(QueryParams(query))


def test_timeline_cursor() -> None:
    assert check_cursor(None) is None
    assert check_cursor("1700000000:42") == (1_700_000_000, 42)
    with pytest.raises(ValueError, match="TIME:ID"):
        check_cursor("1700000000")
