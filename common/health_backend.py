"""Cepheid's oslo.middleware healthcheck backend (entry point
``oslo.middleware.healthcheck: cepheid``), loaded with the middleware by ``common/health.py``."""

from oslo_middleware.healthcheck import pluginbase


class CepheidBackend(pluginbase.HealthcheckBaseExtension):
    """The checks handed in by ``HealthApp``: ``conf['cepheid_checks']``, callables returning
    None (fine) or a reason."""

    def healthcheck(self, server_port):
        reasons = [reason for check in self.conf['cepheid_checks']
                   if (reason := check()) is not None]
        if reasons:
            return pluginbase.HealthcheckResult(available=False, reason='; '.join(reasons))
        return pluginbase.HealthcheckResult(available=True, reason='OK')
