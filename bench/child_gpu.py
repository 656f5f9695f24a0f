"""Child-network training throughput: images/s and achieved TFLOP/s, eager fp32 vs bf16+channels_last+compile.

    python bench/child_gpu.py [--json] [--batch-size 256] [--steps 30]     # needs CUDA; says "no CUDA" otherwise
    python bench/child_gpu.py --cpu [--json]                                # CPU eager figures (small batch)

Nets: NB201 (C=16, N=5; cell |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|
nor_conv_3x3~2|) and NAONet-A (N=6, F=36, aux head), CIFAR-shaped batches (3x32x32, 10 classes).
One training step = forward (+ aux loss) + backward + SGD step. Correctness: in eval mode on the same weights
and batch, the optimised path's loss must match eager fp32 within bf16 tolerance (2 % relative).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from naoviz.child import NetOptions, build_network  # noqa: E402
from naoviz.child.ops import count_params  # noqa: E402
from naoviz.spaces import get_space  # noqa: E402
from naoviz.spaces.naonet import REFERENCE_CELLS  # noqa: E402

NB201_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
NETS = {"nb201": ("nb201", NB201_CELL), "naonet-a": ("naonet", REFERENCE_CELLS["NAONet-A"]["arch"])}
CIFAR_EPOCH = 50_000


def make(name: str, device: torch.device) -> nn.Module:
    space, arch = NETS[name]
    torch.manual_seed(0)
    return build_network(get_space(space), arch, 10, 3, NetOptions()).to(device)


def step_fn(model: nn.Module, forward, opt, amp: bool):
    """One SGD training step on (x, y); returns the loss tensor."""
    def step(x, y):
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
            logits, aux = forward(x, with_aux=True)
            loss = nn.functional.cross_entropy(logits.float(), y)
            if aux is not None:
                loss = loss + 0.4 * nn.functional.cross_entropy(aux.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        return loss
    return step


def flops_per_step(model: nn.Module, x, y) -> float:
    """FLOPs of one forward+backward (torch's FlopCounterMode: convs and matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        logits, aux = model(x, with_aux=True)
        loss = nn.functional.cross_entropy(logits, y) + (0 if aux is None else nn.functional.cross_entropy(aux, y))
        loss.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def timed(step, x, y, steps: int, warmup: int, device: torch.device) -> tuple[float, float]:
    """(seconds per step, first-warmup seconds) after ``warmup`` untimed steps."""
    t0 = time.perf_counter()
    for _ in range(warmup):
        step(x, y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        step(x, y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps, warm


def bench_net(name: str, device: torch.device, batch: int, steps: int, warmup: int, optimised: bool,
              backend: str = "inductor") -> dict:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 3, 32, 32, generator=g).to(device)
    y = torch.randint(0, 10, (batch,), generator=g).to(device)
    model = make(name, device).train()
    flops = flops_per_step(model, x[: min(batch, 32)], y[: min(batch, 32)]) * batch / min(batch, 32)
    out = {"net": name, "params_M": count_params(model, skip="aux") / 1e6, "batch": batch,
           "gflop_per_image": flops / batch / 1e9}
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sec, _ = timed(step_fn(model, model, opt, amp=False), x, y, steps, warmup, device)
    out["eager_fp32"] = {"images_per_s": batch / sec, "tflops": flops / sec / 1e12,
                         "cifar_epoch_s": CIFAR_EPOCH / (batch / sec)}
    if not optimised:
        return out
    fast = make(name, device).to(memory_format=torch.channels_last).train()
    compiled = torch.compile(fast, backend=backend)
    opt2 = torch.optim.SGD(fast.parameters(), lr=0.01, momentum=0.9)
    xc = x.contiguous(memory_format=torch.channels_last)
    sec2, warm = timed(step_fn(fast, compiled, opt2, amp=True), xc, y, steps, warmup, device)
    out["bf16_cl_compile"] = {"images_per_s": batch / sec2, "tflops": flops / sec2 / 1e12,
                              "cifar_epoch_s": CIFAR_EPOCH / (batch / sec2), "compile_and_warmup_s": warm}
    out["speedup"] = sec / sec2
    # correctness: same initial weights, eval mode, one batch
    ref, opt_model = make(name, device).eval(), make(name, device).to(memory_format=torch.channels_last).eval()
    with torch.no_grad():
        l_ref = nn.functional.cross_entropy(ref(x).float(), y).item()
        with torch.autocast(device.type, dtype=torch.bfloat16):
            l_opt = nn.functional.cross_entropy(torch.compile(opt_model, backend=backend)(xc).float(), y).item()
    out["check"] = {"loss_fp32": l_ref, "loss_bf16": l_opt, "rel_diff": abs(l_opt - l_ref) / abs(l_ref),
                    "ok": abs(l_opt - l_ref) / abs(l_ref) < 0.02}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--cpu", action="store_true", help="measure CPU eager fp32 throughput instead")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="CPU threads (--cpu)")
    p.add_argument("--nets", default="nb201,naonet-a")
    p.add_argument("--smoke", action="store_true",
                   help="exercise the optimised path on CPU (compile backend aot_eager); checks code, not speed")
    args = p.parse_args(argv)
    nets = [n for n in args.nets.split(",") if n]
    info = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "torch": torch.__version__,
            "machine": platform.platform(), "processor": platform.processor() or platform.machine()}
    if args.smoke:
        torch.set_num_threads(args.threads)
        info.update(device="cpu smoke (aot_eager)", results=[
            bench_net(n, torch.device("cpu"), args.batch_size, args.steps, args.warmup, True, "aot_eager")
            for n in nets])
    elif args.cpu:
        torch.set_num_threads(args.threads)
        device = torch.device("cpu")
        info.update(device=f"cpu ({args.threads} threads)", results=[
            bench_net(n, device, args.batch_size, args.steps, args.warmup, optimised=False) for n in nets])
    elif not torch.cuda.is_available():
        msg = "no CUDA: the GPU benchmark did not run (use --cpu for CPU figures)"
        print(json.dumps({**info, "cuda": False, "message": msg}) if args.json else msg)
        return 0
    else:
        device = torch.device("cuda")
        torch.backends.cudnn.benchmark = True
        info.update(device=torch.cuda.get_device_name(0), results=[
            bench_net(n, device, args.batch_size, args.steps, args.warmup, optimised=True) for n in nets])
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['device']}  torch {info['torch']}  {info['date']}")
    for r in info["results"]:
        e = r["eager_fp32"]
        print(f"{r['net']:9s} {r['params_M']:.3f} M params, {r['gflop_per_image']:.3f} GFLOP/img (fwd+bwd), "
              f"batch {r['batch']}")
        print(f"  eager fp32       {e['images_per_s']:9.0f} img/s  {e['tflops']:7.3f} TFLOP/s  "
              f"CIFAR epoch {e['cifar_epoch_s']:8.1f} s")
        if "bf16_cl_compile" in r:
            o = r["bf16_cl_compile"]
            print(f"  bf16+CL+compile  {o['images_per_s']:9.0f} img/s  {o['tflops']:7.3f} TFLOP/s  "
                  f"CIFAR epoch {o['cifar_epoch_s']:8.1f} s  speedup x{r['speedup']:.2f}  "
                  f"check {'ok' if r['check']['ok'] else 'FAILED'} (rel {r['check']['rel_diff']:.2e})")
    return 0 if all(r.get("check", {"ok": True})["ok"] for r in info["results"]) else 1


if __name__ == "__main__":
    sys.exit(main())
