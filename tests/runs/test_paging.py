"""The one nextToken pager ends, however the listing answers."""

from __future__ import annotations

from itertools import islice
from typing import Any

from pipectl.aws.paging import pages


def _listing(*answers: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    asked: list[dict[str, Any]] = []

    def call(**params: Any) -> dict[str, Any]:
        asked.append(params)
        return answers[min(len(asked), len(answers)) - 1]

    return asked, call


def test_pages_follow_each_new_token_until_there_is_none() -> None:
    asked, call = _listing({"items": [1], "nextToken": "a"}, {"items": [2], "nextToken": "b"},
                           {"items": [3]})
    got = [page["items"] for page in pages(call, {"name": "p"}, operation="svc:List")]
    assert got == [[1], [2], [3]]
    assert asked == [{"name": "p"}, {"name": "p", "nextToken": "a"},
                     {"name": "p", "nextToken": "b"}]


def test_a_page_that_hands_back_the_token_it_was_asked_with_ends_the_paging() -> None:
    # Asking again would read the same page forever (the history command hung on it).
    asked, call = _listing({"items": [], "nextToken": "same"})
    # Read at most 10 pages: a pager that loops must fail this test, not hang it.
    got = list(islice(pages(call, {}, operation="svc:List"), 10))
    assert len(got) == 2 and len(asked) == 2


def test_max_pages_bounds_the_calls() -> None:
    counter = iter(range(100))
    asked: list[dict[str, Any]] = []

    def call(**params: Any) -> dict[str, Any]:
        asked.append(params)
        return {"nextToken": f"t{next(counter)}"}

    assert len(list(pages(call, {}, operation="svc:List", max_pages=3))) == 3
    assert len(asked) == 3
