"""Two requests served at once keep their own choice of members (moto shares one)."""

from __future__ import annotations

from moto.ecs.responses import EC2ContainerServiceResponse

from pipectl.sandbox.moto_threads import keep_choices_per_request

TAGS = "DescribeServicesResponse.services.Service.tags"


def test_a_request_without_tags_does_not_take_them_from_one_served_at_the_same_time() -> None:
    keep_choices_per_request()
    keep_choices_per_request()  # idempotent: patching twice changes nothing
    # The order two threads interleave in: one asks for tags, the other (started later)
    # leaves them out, and only then does the first answer get written.
    with_tags, without = EC2ContainerServiceResponse(), EC2ContainerServiceResponse()
    with_tags._include_in_response(TAGS)
    without._exclude_from_response(TAGS)
    tags = [{"key": "pipectl:pipeline", "value": "hello-web"}]
    assert with_tags.RESPONSE_KEY_PATH_TO_TRANSFORMER[TAGS](tags) == tags
    assert without.RESPONSE_KEY_PATH_TO_TRANSFORMER[TAGS](tags) != tags
    # moto's own defaults for every other member are still there.
    assert set(EC2ContainerServiceResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER) <= set(
        with_tags.RESPONSE_KEY_PATH_TO_TRANSFORMER)
