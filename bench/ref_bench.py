#!/usr/bin/python3
"""Python PyTorch reference for `azllm bench`: the same GPT-2 (tests/python/ref_gpt.py, nanoGPT's
layout), the same shapes, optimizer (AdamW betas 0.9/0.95, eps 1e-8, weight decay 0.1 on 2-D
weights, lr 3e-4), gradient clipping (1.0), random tokens, batch and thread count, timed the same
way (median step after untimed warm-up). Prints one JSON line with the fields azllm prints.

  ref_bench.py train    --preset tiny|small|az-100m [--steps N] [--warmup N] [--threads N] [--batch-size N]
                        [--dtype fp32|bf16]
  ref_bench.py generate --preset tiny|small|az-100m [--new-tokens N] [--prompt-tokens N] [--threads N]

Run it with OMP_WAIT_POLICY=PASSIVE in the environment (bench/compare.py does): libgomp reads it
when it loads, and the default policy is about 2x slower here because idle OpenMP threads spin
against OpenBLAS's own threads.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from ref_gpt import GPT  # noqa: E402

PRESETS = {
    "tiny": dict(vocab_size=2000, block_size=128, n_layer=4, n_head=4, n_embd=128, batch=16),
    "small": dict(vocab_size=8000, block_size=256, n_layer=6, n_head=6, n_embd=384, batch=16),
    "az-100m": dict(vocab_size=32000, block_size=256, n_layer=12, n_head=12, n_embd=768, batch=4),
}


def gpt2_init(model, n_layer):
    for name, p in model.named_parameters():
        if "ln_" in name:
            torch.nn.init.ones_(p) if name.endswith("weight") else torch.nn.init.zeros_(p)
        elif name.endswith("bias"):
            torch.nn.init.zeros_(p)
        elif name.endswith("c_proj.weight"):
            torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))
        else:
            torch.nn.init.normal_(p, 0.0, 0.02)


def params(cfg):
    C, V, T, L = cfg["n_embd"], cfg["vocab_size"], cfg["block_size"], cfg["n_layer"]
    per_block = 2 * 2 * C + (3 * C * C + 3 * C) + (C * C + C) + (4 * C * C + 4 * C) + (4 * C * C + C)
    return V * C + T * C + L * per_block + 2 * C


def matmul_peak(n=2048, reps=5, dtype=torch.float32):
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    c = a @ b
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def shape_fields(preset, cfg, threads, batch):
    return {"preset": preset, "n_layer": cfg["n_layer"], "n_head": cfg["n_head"], "n_embd": cfg["n_embd"],
            "block_size": cfg["block_size"], "vocab_size": cfg["vocab_size"], "batch_size": batch,
            "threads": threads, "dtype": "float32", "parameters": params(cfg)}


def bench_train(a):
    cfg = dict(PRESETS[a.preset])
    batch = a.batch_size or cfg["batch"]
    torch.manual_seed(1)
    model = GPT(cfg)
    gpt2_init(model, cfg["n_layer"])
    model.train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8, foreach=True)
    T = cfg["block_size"]
    x = torch.randint(0, cfg["vocab_size"], (batch, T))
    y = torch.randint(0, cfg["vocab_size"], (batch, T))
    # MFU against the peak of the precision the matrix products run in.
    peak = matmul_peak(dtype=torch.bfloat16 if a.dtype == "bf16" else torch.float32)
    fp32_peak = matmul_peak() if a.dtype == "bf16" else peak
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.dtype == "bf16"):
            _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    tps = batch * T / med
    n = params(cfg) - T * cfg["n_embd"]
    flops = 6.0 * n + 12.0 * cfg["n_layer"] * cfg["n_embd"] * T
    achieved = flops * tps / 1e9
    out = {"benchmark": "train", "implementation": "python-reference"}
    out.update(shape_fields(a.preset, cfg, torch.get_num_threads(), batch))
    if a.dtype == "bf16":
        out["dtype"] = "bfloat16-autocast"
    out.update({"steps": a.steps, "ms_per_step": med * 1e3, "ms_per_step_min": times[0] * 1e3,
                "ms_per_step_max": times[-1] * 1e3, "tokens_per_s": tps, "model_gflops_per_s": achieved,
                "matmul_peak_gflops": peak, "fp32_matmul_peak_gflops": fp32_peak, "precision": a.dtype, "mfu": achieved / peak, "peak_rss_bytes": peak_rss(),
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")})
    return out


def forward_cached(model, idx, cache, past):
    """One forward step with a KV cache: cache is a list of (k, v) per layer or None."""
    B, T = idx.shape
    tr = model.transformer
    pos = torch.arange(past, past + T)
    x = tr.wte(idx) + tr.wpe(pos)
    for i, block in enumerate(tr.h):
        att = block.attn
        h = block.ln_1(x)
        C = h.size(-1)
        q, k, v = att.c_attn(h).split(C, dim=2)
        hs = C // att.n_head
        q = q.view(B, T, att.n_head, hs).transpose(1, 2)
        k = k.view(B, T, att.n_head, hs).transpose(1, 2)
        v = v.view(B, T, att.n_head, hs).transpose(1, 2)
        if cache[i] is not None:
            k = torch.cat([cache[i][0], k], 2)
            v = torch.cat([cache[i][1], v], 2)
        cache[i] = (k, v)
        w = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        if T > 1:
            S = k.size(2)
            mask = torch.ones(T, S, dtype=torch.bool).triu(past + 1)
            w = w.masked_fill(mask, float("-inf"))
        y = F.softmax(w, dim=-1) @ v
        x = x + att.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        x = x + block.mlp(block.ln_2(x))
    return model.lm_head(tr.ln_f(x))


@torch.inference_mode()
def generate(model, prompt, n, bs, use_cache):
    ctx = list(prompt)
    t0 = time.perf_counter()
    first = None
    cache = [None] * len(model.transformer.h)
    past = 0

    def window():
        nonlocal cache, past
        w = ctx[-bs:]
        cache = [None] * len(model.transformer.h)
        logits = forward_cached(model, torch.tensor([w]), cache, 0) if use_cache else model(torch.tensor([w]))[0]
        past = len(w)
        return logits[0, -1]

    logits = window()
    for i in range(n):
        nxt = int(torch.argmax(logits))
        ctx.append(nxt)
        if first is None:
            first = time.perf_counter() - t0
        if i + 1 == n:
            break
        if use_cache and past < bs:
            logits = forward_cached(model, torch.tensor([[nxt]]), cache, past)[0, -1]
            past += 1
        else:
            logits = window()
    total = time.perf_counter() - t0
    return ctx[len(prompt):], first, total


def bench_generate(a):
    cfg = dict(PRESETS[a.preset])
    torch.manual_seed(1)
    model = GPT(cfg)
    gpt2_init(model, cfg["n_layer"])
    model.eval()
    V = cfg["vocab_size"]
    prompt = [4 + (i * 7919) % (V - 4) for i in range(a.prompt_tokens)]
    generate(model, prompt, 4, cfg["block_size"], True)  # warm-up
    ids_c, first_c, total_c = generate(model, prompt, a.new_tokens, cfg["block_size"], True)
    ids_f, _, total_f = generate(model, prompt, a.new_tokens, cfg["block_size"], False)
    out = {"benchmark": "generate", "implementation": "python-reference"}
    out.update(shape_fields(a.preset, cfg, torch.get_num_threads(), 1))
    out.update({"prompt_tokens": a.prompt_tokens, "new_tokens": len(ids_c),
                "cached_tokens_per_s": len(ids_c) / total_c, "time_to_first_token_ms": first_c * 1e3,
                "recompute_tokens_per_s": len(ids_f) / total_f, "cache_speedup": total_f / total_c,
                "same_tokens": ids_c == ids_f, "peak_rss_bytes": peak_rss(),
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["train", "generate"])
    p.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=0)
    p.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32",
                   help="training precision: fp32, or bf16 autocast with fp32 master weights")
    p.add_argument("--new-tokens", type=int, default=200)
    p.add_argument("--prompt-tokens", type=int, default=8)
    a = p.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    out = bench_train(a) if a.what == "train" else bench_generate(a)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
