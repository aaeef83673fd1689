"""The one nextToken pager ends, however the listing answers."""

from __future__ import annotations

from itertools import islice
from typing import Any

from pipectl.aws.paging import pages
from pipectl.runs.reads.codepipeline import recent_executions


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


def test_recent_runs_stop_reading_a_listing_that_hands_out_tokens_but_no_runs() -> None:
    # Each page a new token and no run: history reads the pages its limit needs and a few
    # more, then answers with what it found (nothing), instead of reading for ever.
    asked: list[dict[str, Any]] = []

    class Codepipeline:
        def list_pipeline_executions(self, **params: Any) -> dict[str, Any]:
            asked.append(params)
            assert len(asked) < 50, "the listing is read for ever"
            return {"pipelineExecutionSummaries": [], "nextToken": f"t{len(asked)}"}

    class Clients:
        def client(self, service: str) -> Any:
            assert service == "codepipeline"
            return Codepipeline()

    assert recent_executions(Clients(), "hello-web", 10) == []
    assert 1 < len(asked) <= 10
