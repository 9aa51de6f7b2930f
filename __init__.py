"""Cepheid: a compact compute control plane speaking Nova's formats."""

import warnings

# oslo.messaging pulls in oslo.service's eventlet backend module at import time, which warns
# that eventlet is deprecated even when the native-threads executor is used.
warnings.filterwarnings('ignore', message=r'(?s).*Eventlet is deprecated')

# eventlet's green DNS resolver imports dnspython, whose DNSSEC modules name cryptography's
# DSA classes at import; cryptography 51 deprecates them with a warning on stderr for each
# (a refused start would print them before its one line).
warnings.filterwarnings('ignore', message='DSA is deprecated', module=r'dns\.')
