#!/usr/bin/env bash
# Set up newsdesk and run the demo: a virtual environment in .venv, PyTorch (CPU),
# the package with its dev tools, then the bundled sample page ingested and a question answered.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[dev]"

echo
echo "== Demo: ingesting the bundled sample page into ./newsdesk-data"
.venv/bin/newsdesk ingest samples/seed_news_page.txt
echo
question="Who runs the aid distribution points in Gaza?"
echo "== Demo: newsdesk ask \"$question\""
.venv/bin/newsdesk ask "$question"
echo
echo "Ready. Try: .venv/bin/newsdesk ask \"What did Rubio say about sanctions?\""
