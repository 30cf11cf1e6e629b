#!/bin/sh
# Container entrypoint: bring the schema up to date, then hand PID 1 to uvicorn.
set -eu
cd /srv
python -m app migrate
exec python -m app serve
