"""The installed package: version, typing marker, build profile, test target."""

from __future__ import annotations

import importlib
import pathlib
import warnings

import pytest

import segment_sendgrid as sg
from segment_sendgrid import _native


def test_tests_run_against_the_installed_wheel() -> None:
    location = pathlib.Path(sg.__file__).resolve()
    assert "site-packages" in location.parts, location


def test_version_is_the_crate_version() -> None:
    from importlib.metadata import version

    assert sg.__version__ == version("segment-sendgrid")
    assert sg.__version__.count(".") >= 2


def test_package_is_typed() -> None:
    root = pathlib.Path(sg.__file__).parent
    assert (root / "py.typed").exists()
    assert (root / "_native.pyi").exists()


def test_release_wheel_is_not_a_debug_build() -> None:
    assert _native.DEBUG_BUILD is False


def test_debug_build_warns_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_native, "DEBUG_BUILD", True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importlib.reload(sg)
    assert any(issubclass(w.category, RuntimeWarning) and "debug" in str(w.message) for w in caught)
    monkeypatch.undo()
    importlib.reload(sg)


def test_classes_live_in_the_native_module() -> None:
    assert sg.Client.__module__ == "segment_sendgrid._native"
    assert sg.AsyncClient.__module__ == "segment_sendgrid._native"


def test_extension_links_no_openssl() -> None:
    import shutil
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        pytest.skip("ldd is only available on Linux")
    so = pathlib.Path(_native.__file__)
    linked = subprocess.run(["ldd", str(so)], capture_output=True, text=True, check=True).stdout
    assert "libssl" not in linked
    assert "libcrypto" not in linked
    assert "libc.so" in linked  # the check itself read the dependency list
