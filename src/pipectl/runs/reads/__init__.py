"""Read-only AWS calls of the runs area, one module per service, each turned into plain
data: :mod:`.codepipeline`, :mod:`.codebuild`, :mod:`.ecs`, :mod:`.logs`. What is made of
the answers without calling AWS (stage views, a past run's state) is in
:mod:`pipectl.runs.projections`.

Every function takes a ``clients`` object with ``.client(service)`` (an
:class:`~pipectl.aws.session.AwsSession`, or a test double holding stubbed clients)
and wraps its calls in ``aws_call`` so failures name the operation and resource.
"""

from __future__ import annotations

from typing import Any, Protocol


class Clients(Protocol):
    def client(self, service: str) -> Any: ...
