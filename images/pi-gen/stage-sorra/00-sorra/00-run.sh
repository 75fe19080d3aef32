#!/bin/bash -e
# Owned by Sorra: images/pi-gen/stage-sorra/00-sorra/00-run.sh (runs on the build host).
# Puts the Sorra sources (files/sorra-src.tar.gz, made by images/pi-gen/build-image.sh)
# into the image, records the image's role, and keeps Raspberry Pi OS from growing the
# root partition over the whole card at first boot: sorra-firstboot makes the data
# partition in that space instead.
role=${SORRA_ROLE:-any}
case "$role" in
    hub | kiosk | counter | display | any) ;;
    *) echo "SORRA_ROLE must be hub, kiosk, counter, display or any, not '$role'" >&2; exit 1 ;;
esac

rm -rf "${ROOTFS_DIR}/opt/sorra/src"
install -d "${ROOTFS_DIR}/opt/sorra/src" "${ROOTFS_DIR}/etc/sorra-image"
tar -xzf files/sorra-src.tar.gz -C "${ROOTFS_DIR}/opt/sorra/src"
printf '%s\n' "$role" >"${ROOTFS_DIR}/etc/sorra-image/role"

cmdline="${ROOTFS_DIR}/boot/firmware/cmdline.txt"
[ -f "$cmdline" ] || cmdline="${ROOTFS_DIR}/boot/cmdline.txt"
# "resize" (Trixie) and init=.../firstboot (Bookworm) grow the root partition
sed -i -e 's| resize\b||; s| init=/usr/lib/raspberrypi-sys-mods/firstboot||' "$cmdline"
