#!/usr/bin/env bash
# `make bench` runs Hugo as a peer when `hugo` is on the PATH. Install it (a Debian package) when
# it is missing and we can: as root with apt-get. Otherwise say, on one line, that it is skipped.
# Never fails: the benchmark runs either way.
command -v hugo >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "bench: Hugo is skipped: hugo is not on the PATH (Debian: apt-get install hugo)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq --no-install-recommends hugo >/dev/null 2>&1 ||
       { apt-get update -qq && apt-get install -y -qq --no-install-recommends hugo >/dev/null; }; }; then
  echo "bench: Hugo is skipped: apt-get install hugo failed" >&2
fi
exit 0
