#!/bin/sh
# Installs the benchmark peers from Debian when they are missing: nginx (the fast loopback server),
# wrk and hey (closed-loop / rate-limited peers). autocannon comes from npm (a devDependency).
# Run as root (or with sudo). The nginx service is not started by the install (policy-rc.d below):
# the benches run nginx themselves in the foreground with a temporary config, on a free 127.0.0.1
# port. (On a systemd machine, Debian's package still enables the service for the next boot;
# `systemctl disable nginx` undoes that.)
set -eu

missing=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v hey >/dev/null 2>&1 || missing="$missing hey"

if [ -z "$missing" ]; then
  echo "bench/setup.sh: nginx, wrk and hey are already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "bench/setup.sh: installing$missing (apt-get)"
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
# policy-rc.d 101: do not start the nginx system service on install; the benches run their own.
if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing
echo "bench/setup.sh: done"
for tool in nginx wrk hey; do
  printf '  %-6s ' "$tool"; command -v "$tool" || echo "(not found)"
done
