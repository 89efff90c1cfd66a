#!/usr/bin/env bash
# Installs the aarch64 manylinux wheel into a minimal Debian arm64 root, run under
# qemu user-mode emulation on this x86_64 machine, and smoke-tests it there:
# import, a Client against the in-process emulator (FakeSendGrid),
# `segment-sendgrid demo --contacts 2000 --mails 200`, and what https:// does on a root
# WITHOUT the ca-certificates package (and with SSL_CERT_FILE set).
#
#   ./scripts/test_arm64.sh [WHEEL]     # default: the newest dist/*manylinux*_aarch64.whl
#
# Needs root (debootstrap, chroot) and Debian's package archive; installs debootstrap,
# qemu-user-static and binfmt-support with apt-get when they are missing. The root is
# built once into $ARM64_ROOT (default /var/tmp/segment_sendgrid-arm64, about 300 MB)
# and reused; delete
# it to start over. It lives outside the repository: maturin's file globs would walk
# into its mounted /proc. Uses binfmt_misc when the sandbox allows it (mounting it and
# enabling qemu-aarch64 if needed); otherwise it unpacks the packages with dpkg-deb
# and runs every arm64 program through qemu-aarch64-static explicitly (each step
# below is a single process, so both ways run the same tests; ARM64_NO_BINFMT=1 forces
# this way, with its own root).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

root=${ARM64_ROOT:-/var/tmp/segment_sendgrid-arm64}
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

wheel=${1:-$(ls -t dist/segment_sendgrid-*manylinux*_aarch64.whl 2>/dev/null | head -n1 || true)}
if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
    echo "no aarch64 manylinux wheel: run ./scripts/build_wheels.sh first, or pass one" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "test_arm64.sh needs root (debootstrap and chroot)" >&2
    exit 2
fi

step_start=0
step() { step_start=$(date +%s.%N); echo "==> $*"; }
took() { printf '    took %.1f s\n' "$(echo "$(date +%s.%N) - $step_start" | bc)"; }

# --- tools -------------------------------------------------------------------------
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
command -v bc >/dev/null || missing+=(bc)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- binfmt_misc: can the kernel run arm64 programs through qemu by itself? ---------
binfmt=0
if [ "${ARM64_NO_BINFMT:-0}" = 1 ]; then
    :  # forced: explicit qemu (tests the fallback)
elif [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
fi
if [ "${ARM64_NO_BINFMT:-0}" != 1 ] && [ -e /proc/sys/fs/binfmt_misc/register ]; then
    if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    fi
    # The F flag: the kernel opened the interpreter when it was registered, so it
    # works inside the chroot without a copy there.
    if grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
        binfmt=1
    fi
fi
if [ "$binfmt" = 1 ]; then
    echo "binfmt_misc: qemu-aarch64 is registered; arm64 programs run directly in the chroot"
else
    echo "binfmt_misc: not usable here; running arm64 programs through qemu-aarch64-static explicitly"
fi

# --- the root ------------------------------------------------------------------------
# python3-venv brings ensurepip's wheels (pip); their package (python3-pip-whl)
# depends on ca-certificates, which is purged below: this root must have no CA
# certificate, as in a minimal container image.
packages=python3,python3-venv
if [ ! -f "$root/.complete" ]; then
    rm -rf "$root"
    step "debootstrap --arch=arm64 --foreign --variant=minbase $suite ($packages)"
    debootstrap --arch=arm64 --foreign --variant=minbase --include="$packages" \
        "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
    took
    cp /usr/bin/qemu-aarch64-static "$root/usr/bin/"
    if [ "$binfmt" = 1 ]; then
        step "debootstrap --second-stage (inside the arm64 root, under qemu)"
        chroot "$root" /debootstrap/debootstrap --second-stage >>"$root.log" 2>&1 \
            || { tail -20 "$root.log"; exit 1; }
        took
    else
        step "unpacking the packages (no second stage without binfmt_misc)"
        for deb in "$root"/var/cache/apt/archives/*.deb; do
            dpkg-deb -x "$deb" "$root"
        done
        took
    fi
    if [ "$binfmt" = 1 ]; then
        chroot "$root" /usr/bin/dpkg --purge --force-depends ca-certificates >>"$root.log" 2>&1
    else
        rm -rf "$root/usr/share/ca-certificates" "$root/etc/ssl/certs"/*
    fi
    rm -f "$root.log"
    touch "$root/.complete"
fi

# Runs one arm64 program in the root (the first argument is its path there), in a
# clean environment: none of this machine's variables (SSL_CERT_FILE and the like)
# leak in; $ARM64_ENV adds some (VAR=value ...).
chroot_bin=$(command -v chroot)
arm64() {
    local clean=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LC_ALL=C.UTF-8 ${ARM64_ENV:-})
    if [ "$binfmt" = 1 ]; then
        "${clean[@]}" "$chroot_bin" "$root" "$@"
    else
        "${clean[@]}" "$chroot_bin" "$root" /usr/bin/qemu-aarch64-static "$@"
    fi
}
mounted_proc=0
cleanup() {
    if [ "$mounted_proc" = 1 ]; then umount "$root/proc" 2>/dev/null || true; fi
    rm -rf "$root/smoke"
}
trap cleanup EXIT
if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc"
    mounted_proc=1
fi

# Absolute symlinks (/usr/lib/ssl/certs -> /etc/ssl/certs) resolve only inside the root.
certs=$(arm64 /usr/bin/find -L /etc/ssl /usr/lib/ssl -type f \( -name '*.pem' -o -name '*.crt' \))
if [ -n "$certs" ]; then
    echo "the root has CA certificates ($certs): the TLS check needs a root without them" >&2
    exit 1
fi

echo "arm64 root: $(arm64 /usr/bin/python3 -c 'import platform as p; print(p.machine(), "Python", p.python_version(), *p.libc_ver())')"

rm -rf "$root/smoke"
mkdir -p "$root/smoke"
cp "$wheel" "$root/smoke/"
wheel_in_root=/smoke/$(basename "$wheel")

# --- install -------------------------------------------------------------------------
step "pip install $(basename "$wheel") into a venv in the arm64 root (no index, no network)"
arm64 /usr/bin/python3 -m venv --without-pip /smoke/venv
pip_whl=$(cd "$root" && ls usr/share/python-wheels/pip-*.whl | head -n1)
arm64 /smoke/venv/bin/python "/$pip_whl/pip" install --quiet --no-index --no-deps \
    --disable-pip-version-check "$wheel_in_root"
took

# --- smoke test ----------------------------------------------------------------------
cat >"$root/smoke/smoke.py" <<'EOF'
import platform

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

assert platform.machine() == "aarch64", platform.machine()
print("import:", sg.__name__, "from", sg.__file__)
with FakeSendGrid() as fake:
    client = fake.client(max_retries=2)
    scopes = client.check()
    assert "marketing.read" in scopes or scopes, scopes
    report = client.upsert_contacts(
        [{"traits": {"email": f"user{i}@example.com", "first_name": f"U{i}"}} for i in range(50)]
    )
    assert report.accepted == 50, report
    stored = {c["email"] for c in fake.contacts()}
    assert len(stored) == 50, len(stored)
print("Client against FakeSendGrid: check() and 50 upserts OK")
EOF
step "smoke test: import, a Client against the emulator"
arm64 /smoke/venv/bin/python /smoke/smoke.py
took

step "segment-sendgrid demo --contacts 2000 --mails 200"
arm64 /smoke/venv/bin/python /smoke/venv/bin/segment-sendgrid demo --contacts 2000 --mails 200
took

# --- TLS without ca-certificates -----------------------------------------------------
# A local CA and a certificate for 127.0.0.1, served by Python's ssl module in the
# root; the client either finds no CA at all (the root has none) or, with
# SSL_CERT_FILE, the local CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=smoke-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -keyout "$root/smoke/ca.key" -out "$root/smoke/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "$root/smoke/server.key" -out "$root/smoke/server.csr" 2>/dev/null
openssl x509 -req -in "$root/smoke/server.csr" -CA "$root/smoke/ca.pem" \
    -CAkey "$root/smoke/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n') \
    -out "$root/smoke/server.pem" 2>/dev/null
cat >"$root/smoke/tls.py" <<'EOF'
import http.server
import json
import os
import ssl
import sys
import threading

import segment_sendgrid as sg


class Scopes(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"scopes": ["mail.send"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scopes)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("/smoke/server.pem", "/smoke/server.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"https://127.0.0.1:{server.server_address[1]}"
print("SSL_CERT_FILE:", os.environ.get("SSL_CERT_FILE", "(unset)"))
try:
    client = sg.Client(api_key="SG.smoke", endpoint=url, max_retries=0)
    print("Client(endpoint=https://...) built")
    print("check() ->", client.check())
    outcome = "ok"
except sg.SendGridError as e:
    print(f"{type(e).__name__}: {e}")
    outcome = type(e).__name__
try:
    sg.Client(api_key="SG.smoke", endpoint="http://127.0.0.1:9", max_retries=0)
    print("Client(endpoint=http://127.0.0.1) built")
except sg.SendGridError as e:
    print(f"Client(endpoint=http://127.0.0.1) failed: {type(e).__name__}: {e}")
server.shutdown()
expected = sys.argv[1]
if outcome != expected:
    sys.exit(f"expected {expected}, got {outcome}")
EOF
step "TLS on a root without ca-certificates: https://127.0.0.1 with no CA at all"
arm64 /smoke/venv/bin/python /smoke/tls.py TransportError
took
step "TLS with SSL_CERT_FILE=<the local CA>"
ARM64_ENV=SSL_CERT_FILE=/smoke/ca.pem arm64 /smoke/venv/bin/python /smoke/tls.py ok
took

echo "arm64 smoke test passed ($(basename "$wheel"))"
