#!/usr/bin/env bash
# The test command: a fresh virtual environment with the dev extra, then
# ruff, mypy on src/ and pytest. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PIPECTL_TEST_VENV:-.venv}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[dev]"
# Tests talk only to local endpoints: never to real AWS with real credentials.
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 || true
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
"$venv/bin/ruff" check src tests
"$venv/bin/mypy" src
"$venv/bin/pytest" -n 2 "$@"
