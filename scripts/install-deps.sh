#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs everything anycastd needs to build, test and run its labs on
# Debian 12. Idempotent; run as root.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
# Libraries and tools to build; the programs that tests, the demo and the
# benchmarks start come from scripts/programs.txt (program, package).
PACKAGES="
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev clang-format
  libmnl-dev libboost-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libldns-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  debhelper groff-base psmisc libnginx-mod-stream
  $(awk '!/^#/ && NF == 2 {print $2}' scripts/programs.txt | sort -u)
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
