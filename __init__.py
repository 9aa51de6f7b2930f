"""Cepheid: a compact compute control plane speaking Nova's formats."""

import warnings

# oslo.messaging pulls in oslo.service's eventlet backend module at import time, which warns
# that eventlet is deprecated even when the native-threads executor is used.
warnings.filterwarnings('ignore', message=r'(?s).*Eventlet is deprecated')
