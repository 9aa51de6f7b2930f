"""The compute service: per-host RPC server that runs instance operations through a virt driver."""
