#!/usr/bin/env bash
# The main job, from a fresh clone: install pipectl, check the reference pipeline,
# start the local sandbox, create the pipeline of config/pipeline.yml in it, run it and
# watch it to the end, show the status, and stop the sandbox whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PIPECTL_VENV:-.venv}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[sandbox]"
pipectl="$venv/bin/pipectl"

"$pipectl" validate
"$pipectl" sandbox start --speed "${PIPECTL_SANDBOX_SPEED:-demo}" --idle-timeout 15m >/dev/null
trap '"$pipectl" sandbox stop' EXIT
"$pipectl" --sandbox create
"$pipectl" --sandbox run --watch
"$pipectl" --sandbox status
