#!/usr/bin/env bash
# Installs segment_sendgrid (release build) into .venv and runs the main job:
# `segment-sendgrid demo` on the embedded SendGrid emulator (nothing leaves
# this machine). Extra arguments go to the demo, e.g. --contacts 50000.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=.venv
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps .
"$venv/bin/segment-sendgrid" demo "$@"
