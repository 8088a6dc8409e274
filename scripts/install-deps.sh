#!/bin/sh
# Installs everything anycastd needs to build, test and run its labs on
# Debian 12. Idempotent; run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
PACKAGES="
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev clang-format
  libmnl-dev libboost-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libldns-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  python3 python3-pytest iproute2 procps psmisc dnsutils tshark
  unbound frr bird2 chrony
  debhelper dpkg-dev lintian man-db groff-base systemd util-linux rpm cpio
"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  # Services the packages would start on a real host stay off: tests start
  # their own copies inside network namespaces.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
  rm -f /usr/sbin/policy-rc.d
fi
