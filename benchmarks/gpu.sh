#!/usr/bin/env bash
# Benchmarks 1 and 2 on a GPU machine that has JAX but no TensorFlow and no internet:
# 60,000 MNIST-shaped sequences, LSTM-128, tanh and softsign, KERAS_BACKEND=jax, the toolkit
# next to a hand-written Keras loop on the same machine.
#
# Bring the pure-Python wheels along in .whl/ (downloaded where pip works, for Python 3.12):
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 -d .whl \
#     keras keras-tuner kt-legacy namex optree pydantic pydantic-core annotated-types \
#     typing-inspection typing-extensions
# then run from the repository root:  bash benchmarks/gpu.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/results}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 - <<'PY'
import numpy as np  # MNIST-shaped: timing does not depend on the pixels
rng = np.random.default_rng(0)
x = rng.integers(0, 256, (70000, 28, 28), dtype=np.uint8)
y = rng.integers(0, 10, 70000)
np.savez("/tmp/mnist60k.npz", x_train=x[:60000], y_train=y[:60000], x_test=x[60000:], y_test=y[60000:])
PY
python3 benchmarks/overhead.py --npz /tmp/mnist60k.npz --repeats 3 --out "$out"
python3 benchmarks/throughput.py --samples 60000 --backends jax --repeats 1 --name 2-throughput-gpu --out "$out"
