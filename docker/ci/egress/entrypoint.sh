#!/usr/bin/env bash
# As egress's image: a clean tmp, PulseAudio (room composites record its null sink), then egress
# under tini. Arguments are ignored, as upstream.
set -euo pipefail
rm -rf /home/egress/tmp/*
ulimit -n 65536 || true
rm -rf /var/run/pulse /var/lib/pulse /home/egress/.config/pulse /home/egress/.cache/xdgr/pulse
pulseaudio -D --verbose --exit-idle-time=-1 --disallow-exit >/dev/null 2>&1
exec tini -- egress
