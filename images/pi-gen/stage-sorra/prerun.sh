#!/bin/bash -e
# Owned by Sorra: images/pi-gen/stage-sorra/prerun.sh (a pi-gen stage, see images/README.md).
# Start from the previous stage's root file system (stage2: Raspberry Pi OS Lite).
if [ ! -d "${ROOTFS_DIR}" ]; then
    copy_previous
fi
