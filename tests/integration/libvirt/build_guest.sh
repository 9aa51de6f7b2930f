#!/bin/sh
# Build (or reuse from the cache) the tier 3 test guest: Debian's cloud kernel plus a busybox
# initramfs whose /init (guest_init.sh) powers off on the ACPI power button, and first says
# which image it booted and which virtio disks it sees (the virtio modules are included).
# Usage: build_guest.sh [CACHE_ROOT]   (default /var/cache/cepheid-guest)
# Prints the directory holding vmlinuz and initrd.gz. The kernel is cached per package
# version, the initramfs per content hash of guest_init.sh.
# Needs: apt-get (Debian mirror reachable on first build), dpkg-deb, busybox-static, flock.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE_ROOT=${1:-/var/cache/cepheid-guest}
BUSYBOX=$(command -v busybox)

# One build at a time: each pytest-xdist worker asks for the guest, and on an empty cache
# two builds raced (one's "rm -rf $OUT && mv" pulled the directory from under the other).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.build.lock"
flock 9

kernel_package() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

PKG=$(kernel_package)
if [ -z "$PKG" ]; then
    apt-get update -q >&2
    PKG=$(kernel_package)
fi
[ -n "$PKG" ] || { echo "cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
VERSION=$(apt-cache show --no-all-versions "$PKG" | awk '/^Version:/ {print $2; exit}')
OUT="$CACHE_ROOT/${PKG}_${VERSION}"
INIT_SUM=$(sha256sum "$HERE/guest_init.sh" | cut -c1-16)
INITRD="$OUT/initrd-$INIT_SUM.gz"

VIRTIO_MODULES="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"

if [ ! -f "$OUT/vmlinuz" ] || [ ! -f "$OUT/virtio_blk.ko" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    chmod 755 "$work"
    (cd "$work" && apt-get download -q "$PKG" >&2)
    mkdir -p "$work/x"
    dpkg-deb --fsys-tarfile "$work"/*.deb | tar -x -C "$work/x" --wildcards \
        './boot/vmlinuz-*' '*/kernel/drivers/acpi/button.ko' '*/kernel/drivers/input/evdev.ko' \
        '*/kernel/drivers/virtio/*.ko' '*/kernel/drivers/block/virtio_blk.ko'
    mkdir -p "$OUT.tmp"
    cp "$work"/x/boot/vmlinuz-* "$OUT.tmp/vmlinuz"
    find "$work/x" -name button.ko -exec cp {} "$OUT.tmp/button.ko" \;
    find "$work/x" -name evdev.ko -exec cp {} "$OUT.tmp/evdev.ko" \;
    for module in $VIRTIO_MODULES; do
        find "$work/x" -name "$module.ko" -exec cp {} "$OUT.tmp/$module.ko" \;
    done
    rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
fi

if [ ! -f "$INITRD" ]; then
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules"
    cp "$BUSYBOX" "$root/bin/busybox"
    cp "$OUT/button.ko" "$OUT/evdev.ko" "$root/lib/modules/"
    for module in $VIRTIO_MODULES; do
        cp "$OUT/$module.ko" "$root/lib/modules/"
    done
    cp "$HERE/guest_init.sh" "$root/init"
    chmod 755 "$root/init" "$root/bin/busybox"
    mknod "$root/dev/console" c 5 1
    (cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) > "$INITRD.tmp"
    mv "$INITRD.tmp" "$INITRD"
    rm -rf "$root"
fi
ln -sf "$(basename "$INITRD")" "$OUT/initrd.gz"
echo "$OUT"
