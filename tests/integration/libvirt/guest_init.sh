#!/bin/busybox sh
# /init of the tier 3 test guest: listen for the ACPI power button, say ready, power off on a
# press.
# With "ignore_acpi" on the kernel command line the button is never listened to.
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1 </dev/null

# Which image booted (the catalog's cmdline names it) and which virtio disks are attached.
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
              virtio_blk; do
    insmod /lib/modules/$module.ko 2>/dev/null
done
image=$(sed -n 's/.*cepheid_image=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "CEPHEID-GUEST-IMAGE ${image:-none}"
echo "CEPHEID-GUEST-DISKS $(ls /sys/block 2>/dev/null | grep '^vd' | tr '\n' ' ')"
# The vCPUs and RAM the guest got (a resize changes them).
echo "CEPHEID-GUEST-CPUS $(grep -c '^processor' /proc/cpuinfo)" \
     "MEMKB $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"

if grep -qw ignore_acpi /proc/cmdline; then
    echo "CEPHEID-GUEST-READY ignore_acpi"
    while :; do sleep 3600; done
fi

insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko
button=
tries=0
while [ -z "$button" ] && [ "$tries" -lt 100 ]; do
    for event in /sys/class/input/event*; do
        if [ "$(cat "$event/device/name" 2>/dev/null)" = "Power Button" ]; then
            button=/dev/input/${event##*/}
        fi
    done
    [ -n "$button" ] && [ -e "$button" ] && break
    button=
    tries=$((tries + 1))
    sleep 0.1
done
if [ -z "$button" ]; then
    echo "CEPHEID-GUEST-NO-POWER-BUTTON"
    while :; do sleep 3600; done
fi

# Open the button before saying ready: from the open on, evdev queues every press for this
# reader, so a press that comes right after the marker is read, not lost.
exec 3<"$button"
echo "CEPHEID-GUEST-READY $button"
# One struct input_event is 24 bytes on x86_64: this read blocks until the button is pressed.
dd of=/dev/null bs=24 count=1 <&3 2>/dev/null
echo "CEPHEID-GUEST-POWER-BUTTON"
poweroff -f
