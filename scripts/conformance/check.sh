#!/usr/bin/env bash
# Re-checks the vendored conformance vectors in tests/data/conformance against
# Segment's published npm packages. NOT part of CI: it needs the npm registry
# and takes about 1-2 minutes (mostly the install).
#
#   scripts/conformance/check.sh
#
# 1. installs @segment/action-destinations 3.497.0, @segment/actions-core
#    3.170.0 and nock 13.5.6 into a fresh temporary folder (with the
#    @aws-sdk/client-kinesis override: the registry lacks the 3.974.0 that
#    3.497.0 pins; the SendGrid destination never loads it) and the fast-uri
#    3.1.5 override (newer fast-uri rejects the schema key "SendGrid Lists
#    (Actions):Sync Audience", see SOURCE.md);
# 2. recheck_action_vectors.mjs   -> sendgrid-action-vectors.json
# 3. recheck_mapping_vectors.mjs  -> mapping-kit-vectors.json, sendgrid-default-mapping-vectors.json
# 4. generate_null_vectors.mjs into a temporary file, compared with
#    sendgrid-null-entry-vectors.json by cmp;
# 5. generate_audience_vectors.mjs into a temporary file, compared with
#    sendgrid-audiences-vectors.json by cmp;
# 6. generate_liquid_vectors.mjs into a temporary file, compared with
#    mapping-kit-liquid-vectors.json by cmp.
# Exit status 0 only if every step passed. Segment's code stays in the
# temporary folder, which is removed at the end (KEEP=1 keeps it).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="$repo/tests/data/conformance"
work="$(mktemp -d "${TMPDIR:-/tmp}/segment-conformance.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then
  echo "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
export TZ=UTC

echo "== node $(node --version), npm $(npm --version) (the vectors were recorded with Node v20.20.2)"
echo "== installing the pinned packages into $work"
(
  cd "$work" &&
  npm init -y >/dev/null &&
  npm pkg set 'overrides[@aws-sdk/client-kinesis]=3.970.0' &&
  npm pkg set 'overrides[fast-uri]=3.1.5' &&
  npm install --no-audit --no-fund --save-exact \
    @segment/action-destinations@3.497.0 @segment/actions-core@3.170.0 nock@13.5.6 >"$work/install.log" 2>&1
) || { echo "npm install failed:"; cat "$work/install.log"; exit 2; }
for p in @segment/action-destinations @segment/actions-core nock liquidjs @aws-sdk/client-kinesis fast-uri; do
  printf '   %-30s %s\n' "$p" "$(node -p "require('$work/node_modules/$p/package.json').version")"
done

status=0
step() { # name, command...
  local name="$1"; shift
  echo
  echo "== $name"
  if (cd "$work" && "$@"); then echo "-- $name: ok"; else echo "-- $name: FAILED"; status=1; fi
}

step "sendgrid-action-vectors.json (recheck_action_vectors.mjs)" \
  node "$here/recheck_action_vectors.mjs" "$data/sendgrid-action-vectors.json"
step "mapping-kit-vectors.json, sendgrid-default-mapping-vectors.json (recheck_mapping_vectors.mjs)" \
  node "$here/recheck_mapping_vectors.mjs" "$data"
step "sendgrid-null-entry-vectors.json (generate_null_vectors.mjs, then cmp)" \
  bash -c 'node "$1" "$2" && cmp "$2" "$3" && echo "regenerated file is byte-identical to $3"' _ \
  "$here/generate_null_vectors.mjs" "$work/sendgrid-null-entry-vectors.json" "$data/sendgrid-null-entry-vectors.json"
step "sendgrid-audiences-vectors.json (generate_audience_vectors.mjs, then cmp)" \
  bash -c 'node "$1" "$2" && cmp "$2" "$3" && echo "regenerated file is byte-identical to $3"' _ \
  "$here/generate_audience_vectors.mjs" "$work/sendgrid-audiences-vectors.json" "$data/sendgrid-audiences-vectors.json"
step "mapping-kit-liquid-vectors.json (generate_liquid_vectors.mjs, then cmp)" \
  bash -c 'node "$1" "$2" && cmp "$2" "$3" && echo "regenerated file is byte-identical to $3"' _ \
  "$here/generate_liquid_vectors.mjs" "$work/mapping-kit-liquid-vectors.json" "$data/mapping-kit-liquid-vectors.json"

echo
if [ "$status" = 0 ]; then echo "== all conformance vectors re-checked: ok"; else echo "== some re-check FAILED (see above)"; fi
exit "$status"
