#!/usr/bin/env bash
# Install the Debian packages mapreduce-c needs to build and test, if any
# are missing.  Does nothing (and needs no network) when all are present.
#   scripts/setup.sh          build and test dependencies
#   scripts/setup.sh --build  build dependencies only
set -u

build_pkgs=(gcc make pkg-config libtirpc-dev rpcsvc-proto libunistring-dev libxxhash-dev libjansson-dev libssl-dev libpcre2-dev
            zlib1g-dev libzstd-dev liblzma-dev)
test_pkgs=(libcmocka-dev valgrind clang libclang-rt-14-dev time procps iproute2 util-linux python3 gawk mandoc
           gzip zstd xz-utils libxml2-utils librsvg2-bin python3-yaml
           openssh-server openssh-client slurm-wlm slurmctld slurmd slurm-client munge)

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--build" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "setup: not root and no sudo; please run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null || { echo "setup: apt-get update failed" >&2; exit 1; }
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null ||
	{ echo "setup: apt-get install ${missing[*]} failed" >&2; exit 1; }
echo "setup: done"
