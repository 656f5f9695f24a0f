#!/usr/bin/env bash
# Issue 15's GPU checks as one run, for a session lent a GPU machine (about 8 minutes on one H200):
#
#     run(command="bash bench/gpu_check.sh", timeout_s=590)       # the device tool; then give_back
#     GPU_CHECK=smoke bash bench/gpu_check.sh                      # here, on CPU: the same steps, tiny sizes
#
# Steps, each under its own timeout so one hang cannot eat the rest: the device; bench/child_gpu.py (eager fp32
# vs bf16 + channels_last + compile, NB201 and NAONet-A-36: the "CIFAR-10 epoch <= 10 s" and ">= 2x eager"
# targets); bench/search_gpu.py for NB201 and NAONet-WS (NAO-WS on CIFAR-shaped synthetic images: the device
# machine cannot download CIFAR-10); the CUDA tests. Writes to $OUT (the device tool's folder that comes back;
# ./gpu-check when unset): device.txt, child_gpu.json, search_gpu_nb201.json, search_gpu_naonet_ws.json,
# pytest_cuda.txt and gpu_check.log. Uses the machine's python3 and its torch, naoviz from this checkout; tests
# that need a package the machine lacks (Dask) skip and say so.
set -uo pipefail
OUT=${OUT:-gpu-check}
PY=${PY:-python3}
MODE=${GPU_CHECK:-cuda}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export NAOVIZ_CACHE=${NAOVIZ_CACHE:-/tmp/naoviz-gpu-cache}

if [ "$MODE" = smoke ]; then
  CHILD=(--smoke --batch-size 8 --steps 2 --warmup 1 --json)
  SEARCH=(--device cpu --budget-s 20 --channels 4 --cells 1 --pool 12 --rounds 1 --synthetic --synthetic-images 512 --json)
  T_CHILD=300 T_SEARCH=300
else
  CHILD=(--json --batch-size 256 --steps 30)
  SEARCH=(--device cuda --budget-s 100 --synthetic --synthetic-images 50000 --json)
  T_CHILD=180 T_SEARCH=130
fi

step() { echo "== $1 ($(date -u +%H:%M:%S))"; }
{
  step device
  { command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    "$PY" -c "import sys, torch; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
  } | tee "$OUT/device.txt"
  step child_gpu
  timeout "$T_CHILD" "$PY" bench/child_gpu.py "${CHILD[@]}" > "$OUT/child_gpu.json"; echo "child_gpu rc=$?"
  step "search_gpu nb201"
  timeout "$T_SEARCH" "$PY" bench/search_gpu.py --space nb201 "${SEARCH[@]}" > "$OUT/search_gpu_nb201.json"
  echo "search_gpu nb201 rc=$?"
  step "search_gpu naonet-ws"
  timeout "$T_SEARCH" "$PY" bench/search_gpu.py --space naonet-ws "${SEARCH[@]}" > "$OUT/search_gpu_naonet_ws.json"
  echo "search_gpu naonet-ws rc=$?"
  step "CUDA tests"
  timeout 90 "$PY" -m pytest -q -rs -p no:cacheprovider tests/test_model_gpu.py tests/test_child_trainer.py \
    tests/test_executors_gpu.py > "$OUT/pytest_cuda.txt" 2>&1; echo "pytest rc=$?"
  tail -5 "$OUT/pytest_cuda.txt"
  step done
} 2>&1 | tee "$OUT/gpu_check.log"
