#!/bin/sh
# FedGrid container entrypoint (docs/OPERATIONS.md, "Containers").
#   start (default)  initialise the node directory $FEDGRID_NODE_DIR on first start (needs
#                    FEDGRID_NODE_ID), then run the node in the foreground (SIGTERM stops it).
#   anything else    runs that fedgrid command, e.g. `node backup --dir "$FEDGRID_NODE_DIR" --out …`.
# Settings come from fedgrid.yaml in the node directory, overridden by FEDGRID_* environment
# variables (FEDGRID_API_PORT, FEDGRID_DATABASE_URL, FEDGRID_LOG_LEVEL, ...).
set -eu
umask 077
dir="${FEDGRID_NODE_DIR:-/var/lib/fedgrid/node}"
if [ "$#" -gt 0 ] && [ "$1" != "start" ]; then
  exec fedgrid "$@"
fi
[ "$#" -gt 0 ] && shift
if [ ! -f "$dir/fedgrid.yaml" ]; then
  if [ -z "${FEDGRID_NODE_ID:-}" ]; then
    echo "fedgrid-entrypoint: $dir holds no node: set FEDGRID_NODE_ID to create one, or mount an existing node directory there" >&2
    exit 64
  fi
  mkdir -p "$dir"
  # The first users' one-time passwords go to a private file, not to the container log.
  init_out="$(mktemp)"
  if ! fedgrid node init --dir "$dir" --id "$FEDGRID_NODE_ID" --host 0.0.0.0 \
      --api-port "${FEDGRID_API_PORT:-8443}" --data-port "${FEDGRID_DATA_PORT:-9443}" \
      ${FEDGRID_NODE_NAME:+--name "$FEDGRID_NODE_NAME"} --json >"$init_out"; then
    rm -f "$init_out"
    exit 1
  fi
  mv "$init_out" "$dir/identity/init.json"
  echo "fedgrid-entrypoint: created node '$FEDGRID_NODE_ID' in $dir; first users' one-time passwords: $dir/identity/init.json" >&2
fi
exec fedgrid node start --dir "$dir" "$@"
