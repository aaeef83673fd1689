"""The sandbox's IAM policy evaluator against the rules of IAM's evaluation logic."""

from __future__ import annotations

from typing import Any

from pipectl.sandbox.policy import Request, evaluate

CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/hello"
OTHER_CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/other"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allowed(document: dict[str, Any], action: str, resource: str, **context: str) -> bool:
    return evaluate([document], Request(action, resource, context)).allowed


def test_nothing_is_allowed_without_a_statement_that_allows_it() -> None:
    assert not allowed(policy(), "ecs:ListTasks", "*")
    decision = evaluate([policy()], Request("ecs:ListTasks", "*"))
    assert not decision.explicit_deny


def test_list_tasks_scoped_to_container_instances_is_denied_on_star() -> None:
    """The form pipectl used to write: a Fargate service's ListTasks is authorized on *."""
    old = policy({"Effect": "Allow", "Action": ["ecs:ListTasks"],
                  "Resource": ["arn:aws:ecs:us-east-1:123456789012:container-instance/hello/*"]})
    assert not allowed(old, "ecs:ListTasks", "*", **{"ecs:cluster": CLUSTER})
    new = policy({"Effect": "Allow", "Action": ["ecs:ListTasks"], "Resource": "*",
                  "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER}}})
    assert allowed(new, "ecs:ListTasks", "*", **{"ecs:cluster": CLUSTER})
    assert not allowed(new, "ecs:ListTasks", "*", **{"ecs:cluster": OTHER_CLUSTER})
    assert not allowed(new, "ecs:ListTasks", "*")  # no cluster in the request


def test_actions_match_without_case_and_with_wildcards_resources_with_case() -> None:
    document = policy({"Effect": "Allow", "Action": "S3:get*",
                       "Resource": "arn:aws:s3:::bucket/*"})
    assert allowed(document, "s3:GetObject", "arn:aws:s3:::bucket/a/b")
    assert not allowed(document, "s3:PutObject", "arn:aws:s3:::bucket/a")
    assert not allowed(document, "s3:GetObject", "arn:aws:s3:::BUCKET/a")
    single = policy({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                     "Resource": "arn:aws:secretsmanager:us-east-1:1:secret:db-??????"})
    assert allowed(single, "secretsmanager:GetSecretValue",
                   "arn:aws:secretsmanager:us-east-1:1:secret:db-AbC123")
    assert not allowed(single, "secretsmanager:GetSecretValue",
                       "arn:aws:secretsmanager:us-east-1:1:secret:db-AbC12")


def test_an_explicit_deny_wins_over_any_allow() -> None:
    document = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringNotEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
    )
    role = "arn:aws:iam::1:role/task"
    assert allowed(document, "iam:PassRole", role,
                   **{"iam:PassedToService": "ecs-tasks.amazonaws.com"})
    decision = evaluate([document], Request("iam:PassRole", role,
                                            {"iam:PassedToService": "lambda.amazonaws.com"}))
    assert not decision.allowed and decision.explicit_deny
    # A negated operator matches a request without the key: the Deny applies.
    assert not allowed(document, "iam:PassRole", role)


def test_not_action_and_not_resource_invert_the_match() -> None:
    document = policy({"Effect": "Allow", "NotAction": "iam:*",
                       "NotResource": "arn:aws:s3:::secret/*"})
    assert allowed(document, "s3:GetObject", "arn:aws:s3:::public/a")
    assert not allowed(document, "s3:GetObject", "arn:aws:s3:::secret/a")
    assert not allowed(document, "iam:PassRole", "arn:aws:iam::1:role/x")


def test_condition_operators_if_exists_and_set_qualifiers() -> None:
    if_exists = policy({"Effect": "Allow", "Action": "ecs:DescribeServices", "Resource": "*",
                        "Condition": {"ArnEqualsIfExists": {"ecs:cluster": CLUSTER}}})
    assert allowed(if_exists, "ecs:DescribeServices", "*")
    assert allowed(if_exists, "ecs:DescribeServices", "*", **{"ecs:cluster": CLUSTER})
    assert not allowed(if_exists, "ecs:DescribeServices", "*", **{"ecs:cluster": OTHER_CLUSTER})
    pattern = "arn:aws:ecs:*:123456789012:cluster/h*"
    like = policy({"Effect": "Allow", "Action": "ecs:UpdateService", "Resource": "*",
                   "Condition": {"ArnLike": {"ecs:cluster": pattern}}})
    assert allowed(like, "ecs:UpdateService", "*", **{"ecs:cluster": CLUSTER})
    assert not allowed(like, "ecs:UpdateService", "*", **{"ecs:cluster": OTHER_CLUSTER})
    both = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                   "Condition": {"Bool": {"aws:SecureTransport": "true"},
                                 "StringEquals": {"aws:PrincipalAccount": ["1", "2"]}}})
    assert allowed(both, "s3:GetObject", "x", **{"aws:SecureTransport": "true",
                                                  "aws:PrincipalAccount": "2"})
    assert not allowed(both, "s3:GetObject", "x", **{"aws:SecureTransport": "false",
                                                      "aws:PrincipalAccount": "2"})
    tags = policy({"Effect": "Allow", "Action": "ecs:TagResource", "Resource": "*",
                   "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}})
    assert evaluate([tags], Request("ecs:TagResource", "x", {"aws:TagKeys": ["team"]})).allowed
    assert not evaluate([tags], Request("ecs:TagResource", "x",
                                        {"aws:TagKeys": ["team", "owner"]})).allowed


def test_an_unknown_condition_operator_never_allows() -> None:
    document = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                       "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}})
    assert not allowed(document, "s3:GetObject", "x")
