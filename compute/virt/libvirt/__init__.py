"""libvirt virt driver (libvirt-python)."""
