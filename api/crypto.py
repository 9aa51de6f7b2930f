"""Key pair material as Nova makes it: RSA ssh keys, self-signed x509 (WinRM) certificates,
and their fingerprints (MD5 of the ssh key blob, SHA-1 of the certificate; hex pairs)."""

import base64
import binascii
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import oid

from cepheid.common import exception

KEY_BITS = 2048
CERT_DAYS = 3650
UPN_OID = x509.ObjectIdentifier('1.3.6.1.4.1.311.20.2.3')   # Microsoft's userPrincipalName


def _pairs(hex_digest):
    return ':'.join(hex_digest[i:i + 2] for i in range(0, len(hex_digest), 2))


def ssh_fingerprint(public_key):
    """``aa:bb:...`` (MD5) of an OpenSSH public key; InvalidKeypair when it is not one."""
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split(' ')[1])
    except Exception as exc:
        raise exception.InvalidKeypair(reason='failed to generate fingerprint') from exc
    return _pairs(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def x509_fingerprint(pem):
    """``aa:bb:...`` (SHA-1) of a PEM certificate; InvalidKeypair when it is not one."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode('utf-8'))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise exception.InvalidKeypair(
            reason=f'failed to generate X509 fingerprint. Error message: {exc}') from exc
    return _pairs(cert.fingerprint(hashes.SHA1()).hex())


def generate_ssh_key_pair(bits=KEY_BITS):
    """(private key PEM, ``ssh-rsa ... Generated-by-Nova``, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode('ascii')
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode('ascii')
    public = f'{public} Generated-by-Nova'
    return private, public, ssh_fingerprint(public)


def _upn(user_id):
    """The otherName SAN carrying ``<user>@localhost`` as a DER UTF8String."""
    value = f'{user_id}@localhost'.encode()
    return x509.OtherName(UPN_OID, b'\x0c' + _der_length(len(value)) + value)


def _der_length(length):
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(raw)]) + raw


def generate_x509_cert(user_id, bits=KEY_BITS):
    """(base64 PKCS#12 of key + certificate, certificate PEM, fingerprint): a WinRM client
    certificate for ``CN=<user_id>``, as Nova's generate_winrm_x509_cert."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.ExtendedKeyUsage([oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName([_upn(user_id)]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode('ascii')
    bundle = pkcs12.serialize_key_and_certificates(
        None, key, cert, None, serialization.NoEncryption())
    return base64.b64encode(bundle).decode('ascii'), pem, x509_fingerprint(pem)
