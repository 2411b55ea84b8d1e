#!/usr/bin/env bash
# Builds the real API servers the Kubernetes tests and `lintas up --kube` run against: kube-apiserver from
# k8s.io/kubernetes at a pinned release and etcd from go.etcd.io/etcd/server/v3, with the
# machine's Go and the Go module proxy. The binaries are cached OUTSIDE the repo, in
#   ${LINTAS_KUBE_CACHE:-$HOME/.cache/lintas/kube}/<kubernetes version>/{kube-apiserver,etcd}
# and never committed. Idempotent: a binary that exists is not rebuilt.
#
# Time: a cold build takes tens of minutes on 2 cores (kube-apiserver is most of it: ~2,500
# packages); a warm cache returns in well under a second. It runs niced so other work goes on.
#
# Usage: scripts/kube-binaries.sh            (prints the cache directory on its last line)
#        LINTAS_KUBE_VERSION=v1.36.3 scripts/kube-binaries.sh
set -euo pipefail

# The pinned release. v1.37.x builds with Go 1.26; src/sandbox/kube/api-servers.ts reads the same default.
KUBE_VERSION="${LINTAS_KUBE_VERSION:-v1.37.2}"
# etcd release of the same era as the kube-apiserver above (Kubernetes 1.37 requires etcd 3.7 client modules).
ETCD_VERSION="${LINTAS_ETCD_VERSION:-v3.7.4}"
CACHE="${LINTAS_KUBE_CACHE:-$HOME/.cache/lintas/kube}/$KUBE_VERSION"

log() { echo "== kube-binaries: $*" >&2; }

command -v go >/dev/null 2>&1 || { echo "error: go is not installed; the Kubernetes tests need it to build kube-apiserver and etcd" >&2; exit 1; }
mkdir -p "$CACHE"
export GOFLAGS="${GOFLAGS:--trimpath} -buildvcs=false"
export GOTOOLCHAIN=local
NICE=(nice -n 10)

# The staging version matching KUBE_VERSION: v1.37.2 -> v0.37.2.
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"

# compile NAME MODULE_DIR PACKAGE EXTRA_LDFLAGS: builds PACKAGE in MODULE_DIR into $CACHE/NAME (atomically: a
# killed build leaves no half binary that the next run would take as cached).
compile() {
  local out="$CACHE/$1" start=$SECONDS
  (cd "$2" && "${NICE[@]}" go build -ldflags="-s -w $4" -o "$out.tmp" "$3")
  mv "$out.tmp" "$out"
  log "$1 built in $((SECONDS - start))s: $(du -h "$out" | cut -f1)"
}

# build_kube_apiserver MODULE_DIR: a wrapper module requiring k8s.io/kubernetes, then its cmd/kube-apiserver.
build_kube_apiserver() {
  local mod="$1"
  log "kube-apiserver: staging modules -> $STAGING_VERSION"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging
  # paths, which do not exist in a dependency; map each to its published version instead.
  local kmod
  kmod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  [ -f "$kmod" ] || { echo "error: could not download k8s.io/kubernetes@$KUBE_VERSION's go.mod" >&2; exit 1; }
  {
    echo "module lintas.dev/kube-binaries/apiserver"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$kmod" | head -1
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$kmod" \
      | awk -v v="$STAGING_VERSION" '{ print "\t" $1 " => " $1 " " v }'
    echo ")"
  } > "$mod/go.mod"
  (cd "$mod" && "${NICE[@]}" go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >&2)
  log "kube-apiserver $KUBE_VERSION: compiling (the long part)"
  # The version stamp `make` would set, so /version (and kubectl's skew check) names the release.
  local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  compile kube-apiserver "$mod" k8s.io/kubernetes/cmd/kube-apiserver "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

# build_etcd MODULE_DIR: a tiny main calling etcdmain, in a module requiring go.etcd.io/etcd/server/v3.
build_etcd() {
  local mod="$1"
  cat > "$mod/main.go" <<'GO'
// Command etcd is etcd's own entry point (etcdmain), built from go.etcd.io/etcd/server/v3.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  printf 'module lintas.dev/kube-binaries/etcd\n\ngo 1.24\n' > "$mod/go.mod"
  (cd "$mod" && "${NICE[@]}" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 && "${NICE[@]}" go mod tidy >&2)
  log "etcd $ETCD_VERSION: compiling"
  compile etcd "$mod" . ""
}

# build NAME VERSION: runs build_NAME in $CACHE/src/NAME unless $CACHE/NAME is already there.
build() {
  if [ -x "$CACHE/$1" ]; then log "$1 $2 cached at $CACHE/$1"; return; fi
  mkdir -p "$CACHE/src/$1"
  log "$1 $2: resolving modules"
  "build_${1//-/_}" "$CACHE/src/$1"
}

build etcd "$ETCD_VERSION"
build kube-apiserver "$KUBE_VERSION"
echo "$CACHE"
