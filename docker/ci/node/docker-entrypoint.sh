#!/bin/sh
# As node's image: a first argument that is a flag, not a command on PATH, or a plain file runs
# under node (`docker run image app.js`); anything else runs as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
