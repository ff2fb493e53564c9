# Shared set-up steps for bin/serve and bin/test (sourced, not run).
# Debian 12: system packages through apt, Python packages in .venv.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

# Fonts and libraries WeasyPrint needs. Without libharfbuzz-subset0 WeasyPrint
# silently falls back to pure-Python font subsetting, 20-100x slower.
PRINT_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# apt_install PACKAGE...: install the packages not yet installed (no apt-get update when none is missing).
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "System packages present: $*"
        return
    fi
    say "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# python_packages REQUIREMENTS_FILE: a .venv with the pinned packages (skipped when unchanged).
python_packages() {
    local requirements="$1"
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        apt_install python3-venv
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    # Re-install only when the requirement files changed since the last successful install.
    local stamp="$VENV/.installed-$(basename "$requirements").sha256"
    local digest
    digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
        say "Python packages up to date ($requirements)"
        return
    fi
    say "Installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" </dev/null
    echo "$digest" >"$stamp"
}

# Compile the .po catalogs into .mo files (the .mo files are build products, never committed).
compile_translations() {
    if compgen -G "cadre/translations/*/LC_MESSAGES/*.po" >/dev/null; then
        say "Compiling translations"
        "$VENV/bin/pybabel" -q compile -d cadre/translations
    else
        say "No translation catalogs to compile"
    fi
}
