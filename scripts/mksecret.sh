#!/bin/sh
# mksecret.sh - make the shared secret of a TCP job (--secret-file FILE):
# 48 random bytes from /dev/urandom in a new file of mode 0600.
#
# Usage: scripts/mksecret.sh FILE
#
# Copy FILE to every host of the job (coordinator, workers, mrctl), kept
# mode 0600 and owned by the user who runs the job there.  An existing
# FILE is never overwritten: remove it first to make a new secret (every
# process of a job must then get the new one).  Exits 0, 1 on failure, 2 on
# a usage error.
set -u

usage() {
	echo "usage: $0 FILE   (writes 48 random bytes to the new file FILE, mode 0600)" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case $1 in -h|--help) usage ;; -*) usage ;; esac
file=$1
if [ -e "$file" ] || [ -L "$file" ]; then
	echo "mksecret: $file exists; not overwriting it (remove it first for a new secret)" >&2
	exit 1
fi
# noclobber: refuse a file that appears between the check and the write.
(set -C && umask 077 && head -c 48 /dev/urandom > "$file") || {
	echo "mksecret: cannot write $file" >&2
	exit 1
}
echo "mksecret: wrote a 48-byte secret to $file (mode 0600)"
