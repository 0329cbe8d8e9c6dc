"""TLS: the server's SSL context, and `tcloud certs dev` for trying HTTPS.

`tcloud certs dev` makes a local certificate authority and a server
certificate signed by it, for 127.0.0.1 and localhost (and any `--host`).
Run again, it keeps the CA found in the folder, so a browser or system that
trusts it goes on trusting the new server certificate. The CA is for one
machine's tests and demos: its key sits next to it, unencrypted (mode 0600).
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import re
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tcloud.cli import command
from tcloud.config import Config, ConfigError, load
from tcloud.platform.errors import Invalid

DEFAULT_HOSTS = ("127.0.0.1", "localhost")
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)(\*\.)?([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$"
)
CA_DAYS = 3650


def server_context(config: Config) -> ssl.SSLContext:
    """Return the SSL context of the server from tls_cert and tls_key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"settings tls_cert and tls_key: cannot load {config.tls_cert}"
            f" with {config.tls_key} ({exc.strerror or exc.__class__.__name__})"
        ) from None
    return context


@dataclass(frozen=True)
class DevFiles:
    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tcloud development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not HOSTNAME.match(host):
        raise Invalid.field("host", f"{host!r} is neither an address nor a host name")
    return x509.DNSName(host.lower())


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, days: int
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    )


def make_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Make a self-signed CA that may sign server certificates only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("tcloud development CA")
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True,
        crl_sign=True, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        _builder(name, name, key, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_server_cert(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    hosts: list[str],
    days: int,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Make a server certificate for the hosts, signed by the CA."""
    names = [_alt_name(host) for host in hosts]
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False,
        crl_sign=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(_name(hosts[0]), ca.subject, key, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _write(path: Path, body: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _load_ca(files: DevFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    if not (files.ca_cert.exists() and files.ca_key.exists()):
        ca, ca_key = make_ca()
        _write(files.ca_key, _key_pem(ca_key), 0o600)
        _write(files.ca_cert, _cert_pem(ca), 0o644)
        return ca, ca_key
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    loaded = serialization.load_pem_private_key(files.ca_key.read_bytes(), None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise Invalid(f"{files.ca_key} is not a key made by tcloud certs dev")
    return ca, loaded


def write_dev_certs(out: Path, hosts: list[str], days: int = 90) -> DevFiles:
    """Write (or keep) the CA and write a new server certificate into out."""
    files = DevFiles(
        out / "ca.pem", out / "ca-key.pem", out / "server.pem", out / "server-key.pem"
    )
    out.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _load_ca(files)
    cert, key = make_server_cert(ca, ca_key, hosts, days)
    _write(files.key, _key_pem(key), 0o600)
    _write(files.cert, _cert_pem(cert), 0o644)
    return files


def cmd_certs_dev(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise Invalid.field("days", "must be at least 1")
    config = load(args.config)
    out = Path(args.out).resolve() if args.out else config.data_path / "tls"
    hosts = list(dict.fromkeys([*DEFAULT_HOSTS, *(args.host or [])]))
    files = write_dev_certs(out, hosts, args.days)
    url = f"https://{hosts[0]}:{config.port}"
    print(f"wrote a certificate for {', '.join(hosts)} in {out}")
    print("serve over HTTPS only:")
    print(f"  export TCLOUD_TLS_CERT={files.cert}")
    print(f"  export TCLOUD_TLS_KEY={files.key}")
    print("  tcloud serve")
    print(f"trust the CA {files.ca_cert} (browser or system trust store), or:")
    print(f"  curl --cacert {files.ca_cert} {url}/healthz")
    return 0


@command
def _certs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "certs", help="make TLS certificates", description="Make TLS certificates."
    )
    csub = p.add_subparsers(dest="certs_command", required=True, metavar="COMMAND")
    dev = csub.add_parser(
        "dev",
        help="make a local CA and a server certificate",
        description="Make a local CA (kept if the folder has one) and a server"
        " certificate for 127.0.0.1 and localhost, as PEM files.",
    )
    dev.add_argument("--out", help="folder for the PEM files (default data_dir/tls)")
    dev.add_argument(
        "--host",
        action="append",
        metavar="NAME",
        help="another name or address to cover (repeatable)",
    )
    dev.add_argument(
        "--days", type=int, default=90, help="server certificate lifetime in days"
    )
    dev.set_defaults(func=cmd_certs_dev)
