#!/usr/bin/env bash
# Install fraudd as a systemd service from a checkout of the repository.
#
#   sudo deploy/systemd/install.sh [--no-enable]
#
# Creates the `fraudd` system user; builds fraudd's wheel from the checkout (or takes
# FRAUDD_WHEEL) and installs it, non-editable, into a virtualenv in /opt/fraudd/.venv with
# requirements.lock as constraints (the tested versions); installs the systemd units; and writes
# /etc/fraudd/fraudd.toml from the installed package's `fraudd config example --aws` when no
# configuration exists yet (an existing one is never overwritten). It enables, but does not
# start, fraudd.service and fraudd-retrain.timer: the configuration has to be filled in from the
# CloudFormation outputs and `fraudd migrate` run first (docs/operations.md#deploy).
#
# Environment (mostly for tests and packaging):
#   DESTDIR        install under this root instead of /          (default: empty)
#   PYTHON         interpreter used to create the venv (>= 3.11) (default: python3)
#   FRAUDD_WHEEL   install this wheel instead of building one    (default: build from $REPO)
#   FRAUDD_EXTRAS  optional extras, e.g. "local" for the demo    (default: none)
#   FRAUDD_SKIP_VENV=1       do not build the virtualenv
#   FRAUDD_SKIP_SYSTEMCTL=1  do not create the user or call systemctl
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DESTDIR="${DESTDIR:-}"
PYTHON="${PYTHON:-python3}"
PREFIX="$DESTDIR/opt/fraudd"
ETC="$DESTDIR/etc/fraudd"
UNITS="$DESTDIR/etc/systemd/system"
ENABLE=1

for arg in "$@"; do
    case "$arg" in
        --no-enable) ENABLE=0 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument: $arg" >&2; exit 64 ;;
    esac
done

log() { printf 'install.sh: %s\n' "$*"; }

skip_system() { [[ "${FRAUDD_SKIP_SYSTEMCTL:-0}" == 1 ]]; }

create_user() {
    skip_system && return 0
    if ! getent passwd fraudd >/dev/null; then
        # No home, no shell: the service's state lives in /var/lib/fraudd (StateDirectory=).
        useradd --system --user-group --home-dir /var/lib/fraudd --no-create-home \
            --shell /usr/sbin/nologin fraudd
        log "created system user fraudd"
    fi
}

build_wheel() {
    # The wheel is what runs: SQL, config examples and launchers are package data inside it, so
    # nothing at run time reads the checkout (tests/deploy/test_installed_wheel.py runs it).
    if [[ -n "${FRAUDD_WHEEL:-}" ]]; then
        printf '%s\n' "$FRAUDD_WHEEL"
        return 0
    fi
    local dist
    dist="$(mktemp -d)"
    "$PREFIX/.venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$dist" "$REPO" >&2
    printf '%s\n' "$dist"/fraudd-*.whl
}

build_venv() {
    [[ "${FRAUDD_SKIP_VENV:-0}" == 1 ]] && return 0
    install -d -m 0755 "$PREFIX"
    "$PYTHON" -m venv --clear "$PREFIX/.venv"
    "$PREFIX/.venv/bin/pip" install --quiet --upgrade pip
    local wheel spec
    wheel="$(build_wheel)"
    spec="$wheel${FRAUDD_EXTRAS:+[$FRAUDD_EXTRAS]}"
    # The lock is a constraints file: runtime dependencies only, at exactly the tested versions
    # (the lock also pins the dev tools, which production does not need).
    "$PREFIX/.venv/bin/pip" install --quiet --constraint "$REPO/requirements.lock" "$spec"
    log "installed $(basename "$wheel") into $PREFIX/.venv"
}

install_units() {
    install -d -m 0755 "$UNITS"
    local unit
    for unit in fraudd.service fraudd@.service fraudd-retrain.service fraudd-retrain.timer; do
        install -m 0644 "$REPO/deploy/systemd/$unit" "$UNITS/$unit"
    done
    log "installed units into $UNITS"
}

install_config() {
    # Root owns the directory; the service reads it through the fraudd group only.
    install -d -m 0750 "$ETC"
    skip_system || chgrp fraudd "$ETC"
    local fraudd="$PREFIX/.venv/bin/fraudd" example
    if [[ -e "$ETC/fraudd.toml" ]]; then
        log "kept existing $ETC/fraudd.toml"
        return 0
    fi
    example="$(mktemp)"
    if [[ -x "$fraudd" ]] && "$fraudd" config example --aws >"$example"; then
        install -m 0640 "$example" "$ETC/fraudd.toml"
        skip_system || chgrp fraudd "$ETC/fraudd.toml"
        log "created $ETC/fraudd.toml from 'fraudd config example --aws': fill it in before starting"
    else
        log "WARNING: no installed fraudd to print the aws.example.toml; write $ETC/fraudd.toml yourself"
    fi
    rm -f "$example"
}

activate() {
    skip_system && return 0
    systemctl daemon-reload
    if [[ "$ENABLE" == 1 ]]; then
        systemctl enable fraudd.service fraudd-retrain.timer
        log "enabled fraudd.service and fraudd-retrain.timer (not started)"
    fi
}

umask 022
create_user
build_venv
install_units
install_config
activate
log "next: edit /etc/fraudd/fraudd.toml, run 'fraudd migrate', then 'systemctl start fraudd'"
