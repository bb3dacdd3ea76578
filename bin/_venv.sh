# Sourced by the commands in bin/: find Python >= 3.11, create .venv and install the
# locked dependencies and the project into it when the lock file has changed since the
# last install.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"

find_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Python 3.11 or newer is needed; install it and run this command again." >&2
    return 1
}

# ensure_venv runtime|dev: install exactly the lock file, every file checked against its
# sha256 (requirements.lock for bin/run, requirements-dev.lock for bin/test), then the project
# itself without its dependencies and without build isolation (the build backend is locked
# too), so nothing unpinned is ever fetched. Reinstalls when the lock file changes.
ensure_venv() {
    local extras="$1" python stamp_file wanted lock="$ROOT/requirements.lock"
    if [ "$extras" = dev ]; then
        lock="$ROOT/requirements-dev.lock"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        python="$(find_python)" || exit 1
        echo "creating virtualenv in $VENV" >&2
        "$python" -m venv "$VENV"
    fi
    stamp_file="$VENV/.installed-$extras"
    wanted="$(cat "$lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp_file" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    echo "installing indodax-bot ($extras, ${lock#"$ROOT"/}) into $VENV" >&2
    if ! { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --require-hashes -r "$lock" &&
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            --no-deps --no-build-isolation -e "$ROOT"; } >"$VENV/pip.log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$VENV/pip.log" >&2
        echo "installing the dependencies failed (log: $VENV/pip.log)" >&2
        exit 1
    fi
    echo "$wanted" >"$stamp_file"
}
