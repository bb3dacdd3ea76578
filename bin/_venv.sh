# Sourced by the commands in bin/: find Python >= 3.11, create .venv and install the
# project into it when pyproject.toml has changed since the last install.
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

# ensure_venv runtime|dev
ensure_venv() {
    local extras="$1" python stamp_file wanted spec="$ROOT"
    if [ ! -x "$VENV/bin/python" ]; then
        python="$(find_python)" || exit 1
        echo "creating virtualenv in $VENV" >&2
        "$python" -m venv "$VENV"
    fi
    stamp_file="$VENV/.installed-$extras"
    wanted="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ "$(cat "$stamp_file" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    if [ "$extras" = dev ]; then
        spec="$ROOT[dev]"
    fi
    echo "installing indodax-bot ($extras) into $VENV" >&2
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" \
        >"$VENV/pip.log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$VENV/pip.log" >&2
        echo "installing the dependencies failed (log: $VENV/pip.log)" >&2
        exit 1
    fi
    echo "$wanted" >"$stamp_file"
    if [ "$extras" = dev ]; then
        echo "$wanted" >"$VENV/.installed-runtime"
    fi
}
