"""Virt drivers: the hypervisor side of the compute service (no DB, RPC or notifications)."""
