"""The environment variables whose values are AWS credentials (their names are fine to show).

One list for the two places that need it: ``aws.redact`` keeps their values out of
messages, and the spec refuses them in plain fields. It sits apart from both because
the spec imports nothing of the AWS side, and the AWS side nothing of the spec.
"""

CREDENTIAL_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                        "AWS_ACCESS_KEY_ID", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                        "AWS_BEARER_TOKEN_BEDROCK")
