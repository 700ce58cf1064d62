"""`make install` (scripts/packaging/install.sh) and the .deb (VPCDNS_DEB, from `make deb`), checked
from the outside: files and paths, PREFIX in the units, conffiles, Depends, maintainer scripts that
never start the service, a binary that needs only glibc and c-ares, and a shipped config that
`vpcdns check` accepts."""

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "scripts" / "packaging" / "install.sh"
BIN = os.environ.get("VPCDNS_BIN")
DEB = os.environ.get("VPCDNS_DEB")
VERSION = re.search(r'current = "([^"]+)"', (REPO / "Sources/Daemon/Version.swift").read_text()).group(1)

needs_bin = pytest.mark.skipif(not BIN or not Path(BIN).exists(), reason="VPCDNS_BIN is not a built vpcdns")
needs_deb = pytest.mark.skipif(not DEB or not Path(DEB).is_file(), reason="VPCDNS_DEB is not a built package")


def install(binary, destdir, prefix):
    return subprocess.run(
        ["bash", str(INSTALL), str(binary), str(destdir), f"{prefix}/bin", f"{prefix}/lib/systemd/system", "/etc/vpcdns"],
        capture_output=True, text=True, check=True)


@pytest.fixture
def fake_binary(tmp_path):
    path = tmp_path / "vpcdns-binary"
    path.write_text("#!/bin/sh\necho fake\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("prefix", ["/usr", "/usr/local", "/opt/vpcdns"])
def test_install_honours_destdir_and_prefix(tmp_path, fake_binary, prefix):
    dest = tmp_path / "dest"
    install(fake_binary, dest, prefix)
    assert (dest / prefix.lstrip("/") / "bin/vpcdns").stat().st_mode & 0o777 == 0o755
    for unit in ("vpcdns.service", "vpcdns.socket"):
        assert (dest / prefix.lstrip("/") / "lib/systemd/system" / unit).is_file()
    service = (dest / prefix.lstrip("/") / "lib/systemd/system/vpcdns.service").read_text()
    assert f"ExecStart={prefix}/bin/vpcdns serve --config /etc/vpcdns/vpcdns.yaml" in service
    assert f"ExecStartPre={prefix}/bin/vpcdns check --config /etc/vpcdns/vpcdns.yaml" in service
    if prefix != "/usr":
        assert "/usr/bin/vpcdns" not in service
    # The config does not follow PREFIX: the unit's ConfigurationDirectory= is /etc/vpcdns.
    assert (dest / "etc/vpcdns/vpcdns.yaml").is_file()
    assert (dest / "etc/vpcdns/zones/corp.example.internal.zone").is_file()


def test_install_keeps_an_edited_config(tmp_path, fake_binary):
    dest = tmp_path / "dest"
    install(fake_binary, dest, "/usr")
    config = dest / "etc/vpcdns/vpcdns.yaml"
    config.write_text(config.read_text() + "# mine\n")
    result = install(fake_binary, dest, "/usr")
    assert config.read_text().endswith("# mine\n")
    assert (dest / "etc/vpcdns/vpcdns.yaml.dist").is_file()
    assert "kept" in result.stdout
    # Unchanged files are simply rewritten, no .dist beside them.
    assert not (dest / "etc/vpcdns/zones/corp.example.internal.zone.dist").exists()


@needs_bin
def test_installed_config_checks_and_listens_on_127_0_0_1_53(tmp_path, fake_binary):
    dest = tmp_path / "dest"
    install(fake_binary, dest, "/usr")
    config = dest / "etc/vpcdns/vpcdns.yaml"
    text = config.read_text()
    assert re.findall(r'^\s*listen: (.*)$', text, re.M) == ['["127.0.0.1:53"]', '["127.0.0.1:53"]']
    result = subprocess.run([BIN, "check", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "OK (1 VPCs" in result.stdout


def deb_field(field):
    return subprocess.run(["dpkg-deb", "--field", DEB, field], capture_output=True, text=True, check=True).stdout.strip()


@needs_deb
def test_deb_control():
    assert deb_field("Package") == "vpcdns"
    assert deb_field("Version") == VERSION
    assert deb_field("Architecture") == subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    depends = [d.strip().split()[0] for d in deb_field("Depends").split(",")]
    assert set(depends) == {"libc6", "libc-ares2", "procps"}, depends


@needs_deb
def test_deb_contents_conffiles_and_scripts(tmp_path):
    subprocess.run(["dpkg-deb", "-R", DEB, str(tmp_path / "x")], check=True)
    root = tmp_path / "x"
    for path in ("usr/bin/vpcdns", "usr/lib/systemd/system/vpcdns.service", "usr/lib/systemd/system/vpcdns.socket",
                 "etc/vpcdns/vpcdns.yaml", "etc/vpcdns/zones/corp.example.internal.zone"):
        assert (root / path).is_file(), path
    assert (root / "DEBIAN/conffiles").read_text().split() == [
        "/etc/vpcdns/vpcdns.yaml", "/etc/vpcdns/zones/corp.example.internal.zone"]
    # Installing never enables or starts the service (port 53 may be taken); removing stops it.
    postinst = (root / "DEBIAN/postinst").read_text()
    assert "daemon-reload" in postinst
    assert not re.search(r"systemctl (--[a-z-]+ )*(start|enable|restart)\b", postinst), postinst
    assert "systemctl stop vpcdns.socket vpcdns.service" in (root / "DEBIAN/prerm").read_text()
    # The packaged binary needs only glibc and c-ares.
    check = subprocess.run(["bash", str(REPO / "scripts/packaging/check-static.sh"), str(root / "usr/bin/vpcdns")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    version = subprocess.run([str(root / "usr/bin/vpcdns"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == VERSION
