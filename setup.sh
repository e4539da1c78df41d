#!/usr/bin/env bash
# Set up everything and either start the app on a demo database or run the whole test suite.
#
#   ./setup.sh demo    install what is missing, create a demo database, start the counter app
#   ./setup.sh test    install what is missing, run the tests and the static checks
#   ./setup.sh dist    install what is missing, build the one-folder bundle dist/counter-app/
#                      (PyInstaller, build.spec), then run the bundle's --self-test offscreen
#
# Works on a fresh Debian 12 / Ubuntu 22.04+ with python3 (3.11 or newer) and git. System packages
# come from apt when run as root; otherwise the exact apt-get line is printed and the script stops.
# The Python environment lives in .venv at the repository root and is reused between runs.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
MODE=${1:-}
case "$MODE" in
  demo|test|dist|install) ;;
  *) echo "Cách dùng / usage: ./setup.sh demo | test | dist" >&2; exit 2 ;;
esac

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "Lỗi: không tìm thấy python3. Cài bằng: apt-get install -y python3" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "Lỗi: cần Python 3.11 trở lên (đang có $("$PYTHON" -V 2>&1))." >&2
  exit 1
fi

# --- system packages -------------------------------------------------------------------------------
# Qt's offscreen and xcb platform plugins and its print support link these (checked with ldd).
QT_PACKAGES="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0
  libdbus-1-3 libx11-6 libx11-xcb1 libcups2 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-shm0
  libxcb-util1 fonts-dejavu-core"
# Tests render PDFs to images (poppler) and take screenshots of real windows (Xvfb).
TEST_PACKAGES="poppler-utils xvfb xauth"
WANTED="$QT_PACKAGES"
[ "$MODE" = test ] && WANTED="$WANTED $TEST_PACKAGES"
# PyInstaller reads ELF files with objdump (binutils) to collect the shared libraries.
[ "$MODE" = dist ] && WANTED="$WANTED binutils"
# Debian splits venv/ensurepip out of python3; a pyenv or python.org build has them already.
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  WANTED="$WANTED python3-venv"
fi

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in $WANTED; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in *"install ok installed"*) ;; *) missing="$missing $pkg" ;; esac
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo ">>> Cài gói hệ thống:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
  else
    echo "Thiếu gói hệ thống. Hãy chạy lệnh sau với quyền root rồi chạy lại ./setup.sh $MODE:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
  fi
fi

# --- Python environment ----------------------------------------------------------------------------
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo ">>> Tạo môi trường Python tại $VENV"
  "$PYTHON" -m venv "$VENV"
fi
EXTRAS="server"
[ "$MODE" = test ] && EXTRAS="server,test,dev"
[ "$MODE" = dist ] && EXTRAS="dist"
STAMP="$VENV/.installed-$EXTRAS"
HASH=$(cat pyproject.toml | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo ">>> Cài phần mềm vào $VENV ($EXTRAS)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]"
  echo "$HASH" > "$STAMP"
fi

# --- the action ------------------------------------------------------------------------------------
case "$MODE" in
  install)
    echo "Đã cài xong."
    ;;
  demo)
    export COUNTER_APP_HOME="${COUNTER_APP_HOME:-$ROOT/demo-data}"
    DB="$COUNTER_APP_HOME/demo.db"
    if [ ! -f "$DB" ]; then
      echo ">>> Tạo cơ sở dữ liệu mẫu $DB"
      "$VENV/bin/counter-admin" init --db "$DB" --agency-code 000.00.31.H12 \
        --agency-name "Trung tâm Phục vụ hành chính công xã Ỷ La" \
        --parent-name "UBND xã Ỷ La" --place "Ỷ La"
      "$VENV/bin/counter-admin" seed-demo --db "$DB" --dossiers "${DEMO_DOSSIERS:-5000}" --seed 1
    fi
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      mkdir -p "$ROOT/out"
      echo ">>> Máy không có màn hình: mở phần mềm ngoài màn hình và chụp ảnh cửa sổ vào out/demo.png"
      QT_QPA_PLATFORM=offscreen exec "$VENV/bin/counter-app" --db "$DB" --demo \
        --screenshot "$ROOT/out/demo.png" --quit-after-ms 1500
    fi
    exec "$VENV/bin/counter-app" --db "$DB" --demo
    ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    # Tests never touch the real data directory.
    COUNTER_APP_HOME=$(mktemp -d)
    export COUNTER_APP_HOME
    trap 'rm -rf "$COUNTER_APP_HOME"' EXIT
    echo ">>> ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    echo ">>> mypy"
    "$VENV/bin/mypy" counter_app
    echo ">>> import-linter"
    "$VENV/bin/lint-imports"
    echo ">>> pytest"
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${@:2}"
    ;;
  dist)
    # One folder, no installer: dist/counter-app/ (copy it, or wrap it with installer/counter-app.iss
    # on Windows). The bundle's self-test must pass before the folder is worth shipping.
    echo ">>> PyInstaller: build.spec → dist/counter-app/"
    started=$(date +%s)
    "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
      --distpath "$ROOT/dist" --workpath "$ROOT/build" "$ROOT/build.spec"
    echo ">>> Đóng gói xong sau $(( $(date +%s) - started )) s; kích thước: $(du -sh "$ROOT/dist/counter-app" | cut -f1)"
    echo ">>> Tự kiểm tra bản đóng gói (offscreen)"
    QT_QPA_PLATFORM=offscreen "$ROOT/dist/counter-app/counter-app" --self-test
    ;;
esac
