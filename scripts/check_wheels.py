"""Audits built wheels; exits non-zero when one is not what its name claims.

    python scripts/check_wheels.py dist/segment_sendgrid-*.whl

Needs auditwheel on PATH and pyelftools (auditwheel's own dependency), as in the
.venv-wheels that scripts/build_wheels.sh makes. For every Linux wheel:

- the tags: cp310-abi3 and manylinux_2_17 (manylinux2014) or musllinux_1_2 for the
  architecture in the name;
- `auditwheel show --json`: the platform tag it finds the wheel consistent with is the
  one in the name (or an older, more compatible one) and it finds no external library
  to graft;
- the extension's ELF file itself: the architecture matches, DT_NEEDED holds only the C
  library's own libraries (never libssl or libcrypto: TLS is rustls, statically linked),
  and no versioned symbol needs a glibc newer than the tag's (2.17).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

GLIBC_LIBS = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}
# musl's C library as Alpine installs it (build_wheels.sh renames zig's `libc.so` to it).
MUSL_LIBS = {"libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libgcc_s.so.1"}
ELF_MACHINE = {"x86_64": "EM_X86_64", "aarch64": "EM_AARCH64"}
# What the tag allows: the newest glibc symbol version, as a tuple.
GLIBC_MAX = {"manylinux_2_17": (2, 17)}
TAG = re.compile(r"^(manylinux_(\d+)_(\d+)|musllinux_(\d+)_(\d+))_(x86_64|aarch64)$")


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def check(wheel: Path) -> list[str]:
    problems: list[str] = []
    # name-version-python-abi-platform.whl; the platform part may hold several tags.
    parts = wheel.name[: -len(".whl")].split("-")
    python_tag, abi_tag, platforms = parts[-3], parts[-2], parts[-1].split(".")
    if (python_tag, abi_tag) != ("cp310", "abi3"):
        problems.append(f"tags {python_tag}-{abi_tag}, expected cp310-abi3")
    pep600 = [p for p in platforms if TAG.match(p)]
    if len(pep600) != 1:
        return [*problems, f"no single manylinux_x_y/musllinux_x_y tag in {platforms}"]
    claimed = pep600[0]
    match = TAG.match(claimed)
    assert match is not None
    arch = match.group(6)
    family = claimed[: -len("_" + arch)]
    if family not in ("manylinux_2_17", "musllinux_1_2"):
        problems.append(f"platform {claimed}: expected manylinux_2_17 or musllinux_1_2")

    command = ["auditwheel", "show", "--json", str(wheel)]
    with tempfile.TemporaryDirectory() as nothing:
        if family.startswith("musllinux"):
            # On a glibc machine auditwheel would take glibc's libc.so (a linker
            # script) for musl's: let it find no library at all.
            command[2:2] = ["--ldpaths", nothing]
        shown = subprocess.run(command, capture_output=True, text=True)
    if shown.returncode != 0:
        problems.append(f"auditwheel show failed: {shown.stderr.strip() or shown.stdout.strip()}")
    else:
        problems += audit_problems(json.loads(shown.stdout), claimed)

    with zipfile.ZipFile(wheel) as zf:
        libs = [n for n in zf.namelist() if n.endswith(".so") or ".so." in n]
        if not libs:
            problems.append("no shared library in the wheel")
        for name in libs:
            data = zf.read(name)
            problems += [f"{name}: {p}" for p in elf_problems(data, arch, family)]
            print(f"    {name}: {len(data) / 1e6:.1f} MB unpacked")
    return problems


def audit_problems(report: dict[str, Any], claimed: str) -> list[str]:
    """What auditwheel finds: the claimed tag (or a more compatible one), nothing to graft."""
    problems = []
    overall, sym = report.get("overall_tag"), report.get("sym_tag")
    print(f"    auditwheel: consistent with {overall} (symbols: {sym})")
    external = set(report.get("external_libs") or {})
    if not isinstance(overall, str) or not at_least_as_compatible(overall, claimed):
        problems.append(f"auditwheel finds {overall}, the name claims {claimed}")
    if external:
        problems.append(f"auditwheel finds external libraries to graft: {sorted(external)}")
    if re.search(r"lib(ssl|crypto)\.so", json.dumps(report.get("versioned_symbols", {}))):
        problems.append("auditwheel sees libssl/libcrypto")
    if report.get("unsupported_isa"):
        problems.append("auditwheel: instructions beyond the baseline ISA of the architecture")
    return problems


def at_least_as_compatible(found: str, claimed: str) -> bool:
    """`found` (the tag auditwheel gives) is `claimed` or older (more compatible)."""
    f, c = TAG.match(found), TAG.match(claimed)
    if f is None or c is None or f.group(6) != c.group(6):
        return False
    if claimed.startswith("manylinux"):
        return found.startswith("manylinux") and (int(f[2]), int(f[3])) <= (int(c[2]), int(c[3]))
    return found.startswith("musllinux") and (int(f[4]), int(f[5])) <= (int(c[4]), int(c[5]))


def elf_problems(data: bytes, arch: str, family: str) -> list[str]:
    problems = []
    elf = ELFFile(io.BytesIO(data))
    if elf["e_machine"] != ELF_MACHINE[arch]:
        problems.append(f"ELF machine {elf['e_machine']}, expected {ELF_MACHINE[arch]}")
    allowed = MUSL_LIBS if family.startswith("musllinux") else GLIBC_LIBS
    needed: list[str] = []
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            needed += [str(t.needed) for t in section.iter_tags() if t.entry.d_tag == "DT_NEEDED"]  # type: ignore[attr-defined]
    for lib in needed:
        if re.match(r"lib(ssl|crypto)\.so", lib):
            problems.append(f"links {lib} (TLS must be rustls, not OpenSSL)")
        elif lib not in allowed:
            problems.append(f"links {lib}, not part of the C library")
    print(f"    DT_NEEDED: {', '.join(needed) or '(none)'}")
    newest: dict[str, tuple[int, ...]] = {}
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _verneed, auxes in section.iter_versions():
                for aux in auxes:
                    prefix, _, number = aux.name.partition("_")
                    if number and re.fullmatch(r"[\d.]+", number):
                        v = version_tuple(number)
                        newest[prefix] = max(newest.get(prefix, v), v)

    if newest:
        print(
            "    newest symbol versions: "
            + ", ".join(f"{k}_{'.'.join(map(str, v))}" for k, v in sorted(newest.items()))
        )
    limit = GLIBC_MAX.get(family)
    if limit is not None and newest.get("GLIBC", (0,)) > limit:
        problems.append(
            f"needs GLIBC_{'.'.join(map(str, newest['GLIBC']))}, "
            f"newer than {family} allows (GLIBC_{'.'.join(map(str, limit))})"
        )
    if family.startswith("musllinux") and "GLIBC" in newest:
        problems.append("a musllinux wheel with glibc symbol versions")
    return problems


def main(paths: list[str]) -> int:
    wheels = [Path(p) for p in paths if p.endswith(".whl")]
    if not wheels:
        print("no wheels to check", file=sys.stderr)
        return 2
    failed = 0
    for wheel in wheels:
        print(f"{wheel.name} ({wheel.stat().st_size / 1e6:.2f} MB)")
        problems = check(wheel)
        for p in problems:
            print(f"    FAIL: {p}")
        if problems:
            failed += 1
        else:
            print("    OK")
    if failed:
        print(f"{failed} of {len(wheels)} wheels failed the audit", file=sys.stderr)
        return 1
    print(f"all {len(wheels)} wheels passed the audit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
