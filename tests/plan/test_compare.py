"""Semantic comparison: what AWS changes about a document must not show as a difference."""

from __future__ import annotations

import json
import urllib.parse

from pipectl.plan.compare import canonical_policy, diff_fields, flatten, shaped_like
from pipectl.plan.model import FieldDiff

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:a"]},
        {"Sid": "B", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": "*", "Condition": {"StringEquals": {"k": "v"}}},
    ],
}


def test_policies_equal_up_to_key_order_single_strings_and_statement_order() -> None:
    reordered = {
        "Statement": [
            {"Resource": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow",
             "Condition": {"StringEquals": {"k": ["v"]}}, "Sid": "B"},
            {"Resource": "arn:a", "Action": "s3:GetObject", "Effect": "Allow", "Sid": "A"},
        ],
        "Version": "2012-10-17",
    }
    assert canonical_policy(reordered) == canonical_policy(POLICY)


def test_policies_from_json_text_and_url_encoded_text() -> None:
    text = json.dumps(POLICY)
    assert canonical_policy(text) == canonical_policy(POLICY)
    assert canonical_policy(urllib.parse.quote(text)) == canonical_policy(POLICY)


def test_trust_policy_principal_string_or_list() -> None:
    one = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "x.amazonaws.com"},
                          "Action": "sts:AssumeRole"}]}
    listed = {"Statement": {"Effect": "Allow", "Principal": {"Service": ["x.amazonaws.com"]},
                            "Action": ["sts:AssumeRole"]}}
    assert canonical_policy(one) == canonical_policy(listed)


def test_a_changed_statement_shows_as_one_field_of_that_statement() -> None:
    changed = json.loads(json.dumps(POLICY))
    changed["Statement"][0]["Resource"] = ["arn:b"]
    diffs = diff_fields({"policy": canonical_policy(changed)},
                        {"policy": canonical_policy(POLICY)})
    assert diffs == [FieldDiff("policy.Statement.A.Resource", ["arn:a"], ["arn:b"])]


def test_flatten_keys_named_lists_by_name() -> None:
    flat = flatten({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "modes": ["x", "y"]})
    assert flat == {"env.A.value": "1", "env.B.value": "2", "modes": ["x", "y"]}


def test_extra_fields_on_the_aws_side_show_as_removals() -> None:
    assert diff_fields({"a": 1}, {"a": 1, "b": 2}) == [FieldDiff("b", 2, None)]


def test_shaped_like_ignores_defaults_aws_adds() -> None:
    desired = {"containerDefinitions": [{"name": "web", "portMappings": [{"containerPort": 80}]}]}
    observed = {"containerDefinitions": [{"name": "web", "cpu": 0, "essential": True,
                                          "portMappings": [{"containerPort": 80, "hostPort": 80,
                                                            "protocol": "tcp"}]}],
                "revision": 3}
    assert shaped_like(observed, desired) == desired


def test_lists_of_unnamed_items_are_compared_by_position() -> None:
    old = {"rules": [{"rulePriority": 1, "selection": {"countNumber": 30}}]}
    new = {"rules": [{"rulePriority": 1, "selection": {"countNumber": 10}}]}
    assert diff_fields(new, old) == [FieldDiff("rules[0].selection.countNumber", 30, 10)]
