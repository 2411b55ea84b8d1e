#!/usr/bin/env bash
# Builds helm (the v4 CLI) for the chart's tests, with the machine's Go and the Go module proxy:
# a small wrapper module requiring helm.sh/helm/v4 at a pinned release, then its cmd/helm. The
# binary is cached OUTSIDE the repo, in
#   ${LINTAS_HELM_CACHE:-$HOME/.cache/lintas/helm}/<helm version>/helm
# and never committed. Idempotent: a binary that exists is not rebuilt (same pattern as
# scripts/kube-binaries.sh).
#
# Usage: scripts/build-helm.sh             (prints the binary's path on its last line)
#        LINTAS_HELM_VERSION=v4.3.1 scripts/build-helm.sh
set -euo pipefail

# The pinned release; the tests read the same default (test/deploy/helm.ts).
HELM_VERSION="${LINTAS_HELM_VERSION:-v4.3.2}"
CACHE="${LINTAS_HELM_CACHE:-$HOME/.cache/lintas/helm}/$HELM_VERSION"
OUT="$CACHE/helm"

log() { echo "== helm: $*" >&2; }

if [ -x "$OUT" ]; then log "$HELM_VERSION cached at $OUT"; echo "$OUT"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "error: go is not installed; the Helm chart's tests need it to build helm" >&2; exit 1; }

export GOFLAGS="${GOFLAGS:--trimpath} -buildvcs=false"
export GOTOOLCHAIN=local
NICE=(nice -n 10)
start=$SECONDS
mod="$CACHE/src"
mkdir -p "$mod"
printf 'module lintas.dev/helm-binary\n\ngo 1.25\n' > "$mod/go.mod"
log "$HELM_VERSION: resolving modules"
(cd "$mod" && "${NICE[@]}" go get "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2)
log "k8s.io modules resolved: $(cd "$mod" && go list -m k8s.io/client-go k8s.io/apimachinery 2>/dev/null | tr '\n' ' ')"
log "$HELM_VERSION: compiling"
# The version stamp helm's Makefile sets, so `helm version` names the release.
(cd "$mod" && "${NICE[@]}" go build -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
  -o "$OUT.tmp" helm.sh/helm/v4/cmd/helm)
# Atomic: a killed build leaves no half binary that the next run would take as cached.
mv "$OUT.tmp" "$OUT"
log "built in $((SECONDS - start))s: $(du -h "$OUT" | cut -f1)"
echo "$OUT"
