#!/bin/sh
# As MinIO's image: any first argument other than `minio` is an argument of minio
# (`server /data` runs `minio server /data`).
if [ "$1" != "minio" ] && [ -n "$1" ]; then
  set -- minio "$@"
fi
exec "$@"
