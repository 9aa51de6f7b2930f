"""Key pair material: fingerprints as ssh-keygen -E md5 / openssl -sha1 print them, and
generated keys that really pair up."""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from cepheid.api import crypto
from cepheid.common import exception

# Made with ssh-keygen -t rsa -b 1024; `ssh-keygen -l -E md5` printed the fingerprint.
SSH_KEY = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDNNL3TyBzr9aPYxhjJ4j8wwJ27C9vosksY40IxlK4x8v'
           'Qc3MBREWsCd0tdWljCI9rzfY8t3UQn0gAlDhEzf47wbO19NlCudN0gDPiepiGUnbACw0XqdNz5Hekyf5w5'
           'hIEtlJCHucdHUzVX9vlmWVpWJvpi9Foo7FHcgHuCQ54B5w== gabbi@cepheid')
SSH_MD5 = 'd2:e4:3a:2f:22:e4:36:52:b2:82:0e:cf:f4:3f:99:9f'
# Made with openssl req -x509; `openssl x509 -fingerprint -sha1` printed the fingerprint.
CERT = """-----BEGIN CERTIFICATE-----
MIIB+jCCAWOgAwIBAgIUKX5FRs7zkooMqYMYcTLEpmotgWYwDQYJKoZIhvcNAQEL
BQAwDzENMAsGA1UEAwwEZGVtbzAeFw0yNjEyMDExMjQxNDBaFw0zNjExMjgxMjQx
NDBaMA8xDTALBgNVBAMMBGRlbW8wgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGB
AMtO6cmIL91g5QCBxtlanjdyS20l+f6EcDMao7/MJNYNka6S4dgWC4I2g4mehrGu
1CkT0+wE2Bxnbm15GeuJ1xqWgpJvHuQzlB+ZjGIITOvB6RfCS+Kq1eyq1de7pOMW
aPRRyRZyuHkf1YQ6s5acGBrhtz98Cw6Bb0QAcWgHzfV/AgMBAAGjUzBRMB0GA1Ud
DgQWBBSSvqVpm1tGWpImrn8O95AuAdhZYjAfBgNVHSMEGDAWgBSSvqVpm1tGWpIm
rn8O95AuAdhZYjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4GBAAiU
etSOgiGlcD0w8apZzzSSawXkPu3Csh4NpXv0Y6xcIPCnRXA2vw7WBwsbi3xzXdkN
yTLvQd5F5qSLrlhX2/y7jVp1J88pVE/PPcrqCPB9MnJGN4zbA3l32IH3eO/Hklfo
uM1JhdpwdgPgJvpChxM9pbFpz4aqFsexxxucfQ9B
-----END CERTIFICATE-----
"""
CERT_SHA1 = 'e5:98:d1:58:bb:b4:9b:77:f0:68:9e:b0:d3:d2:b2:44:07:e9:16:ae'


def test_ssh_fingerprint_is_md5_in_hex_pairs():
    assert crypto.ssh_fingerprint(SSH_KEY) == SSH_MD5


def test_x509_fingerprint_is_sha1_in_hex_pairs():
    assert crypto.x509_fingerprint(CERT) == CERT_SHA1


@pytest.mark.parametrize('bad', ['', 'ssh-rsa BADKEY', 'ssh-rsa ' + 'A' * 2048 + ' x', 'junk'])
def test_a_bad_public_key_is_invalid_keypair(bad):
    with pytest.raises(exception.InvalidKeypair) as err:
        crypto.ssh_fingerprint(bad)
    assert err.value.format_message() == 'Keypair data is invalid: failed to generate fingerprint'


def test_a_bad_certificate_is_invalid_keypair():
    with pytest.raises(exception.InvalidKeypair):
        crypto.x509_fingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')


def test_generated_ssh_private_key_matches_its_public_key():
    private, public, fingerprint = crypto.generate_ssh_key_pair()
    assert private.startswith('-----BEGIN RSA PRIVATE KEY-----\n')
    key = serialization.load_pem_private_key(private.encode(), password=None)
    derived = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH).decode()
    assert public == f'{derived} Generated-by-Nova'
    assert key.key_size == 2048
    assert fingerprint == crypto.ssh_fingerprint(public)


def test_generated_x509_is_a_client_cert_for_the_user_with_its_key_in_pkcs12():
    bundle, pem, fingerprint = crypto.generate_x509_cert('demo-user')
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert cert.subject.rfc4514_string() == 'CN=demo-user'
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    (upn,) = san.get_values_for_type(x509.OtherName)
    assert upn.type_id == crypto.UPN_OID and upn.value.endswith(b'demo-user@localhost')
    key, bundled_cert, _extra = pkcs12.load_key_and_certificates(base64.b64decode(bundle), None)
    assert bundled_cert == cert
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert fingerprint == crypto.x509_fingerprint(pem)
