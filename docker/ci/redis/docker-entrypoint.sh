#!/bin/sh
# As redis's image: flags or a .conf file are arguments of redis-server; redis-server started as
# root fixes /data's owner and drops to the redis user. Upstream builds with protected mode off.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
um=$(umask)
[ "$um" = 0022 ] && umask 0077
exec "$@"
