#!/usr/bin/python3
"""Runs `azllm bench` and the Python reference (bench/ref_bench.py, Debian's python3-torch, same
LibTorch) alternately, several times in one go, and prints a Markdown table of medians, min-max
and the ratio ours/reference: training tokens/s (with MFU and peak RSS) and generation tokens/s
with and without the KV cache; and, for --bf16-presets, bf16 autocast training of both against
azllm's fp32. Every raw JSON result is kept in --out (JSON lines).

  bench/compare.py [--azllm build/bin/azllm] [--reps 3] [--presets tiny,small,az-100m]
                   [--bf16-presets az-100m] [--az100m-steps 4] [--out bench-results.jsonl]

--bf16-presets defaults to az-100m on CPUs with AVX512-BF16 and to none elsewhere (bf16 is
emulated there and slower than fp32). Its presets must also be in --presets (the fp32 baseline).

The reference runs in its fastest configuration here (OMP_WAIT_POLICY=PASSIVE, all cores), and
its training runs twice per repetition: with glibc's default allocator and with the allocator
settings azllm uses (TUNED_MALLOC, set through the environment). The training ratio is taken
against the faster of the two.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# glibc settings that make training faster for the Python reference too (azllm sets the same
# through mallopt): its "tuned allocator" configuration.
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TOP_PAD_": "268435456", "MALLOC_MMAP_MAX_": "0",
                "MALLOC_TRIM_THRESHOLD_": "2147483647"}


def run(cmd, extra_env=None):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", **(extra_env or {}))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_has_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx512_bf16" in line for line in f)
    except OSError:
        return False


def summary(values):
    return statistics.median(values), min(values), max(values)


def fmt(values, digits=0):
    m, lo, hi = summary(values)
    return f"{m:,.{digits}f} ({lo:,.{digits}f}–{hi:,.{digits}f})"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--azllm", default=os.path.join(HERE, "..", "build", "bin", "azllm"))
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--presets", default="tiny,small,az-100m")
    p.add_argument("--bf16-presets", default="az-100m" if cpu_has_bf16() else "")
    p.add_argument("--az100m-steps", type=int, default=4)
    p.add_argument("--out", default="bench-results.jsonl")
    a = p.parse_args()
    presets = a.presets.split(",")
    bf16_presets = [x for x in a.bf16_presets.split(",") if x]
    for x in bf16_presets:
        if x not in presets:
            p.error(f"--bf16-presets: {x} needs its fp32 baseline; add it to --presets")
    ref = [sys.executable if sys.executable.startswith("/usr/bin/") else "/usr/bin/python3", os.path.join(HERE, "ref_bench.py")]
    results = []
    rows = []
    with open(a.out, "w") as log:
        def keep(r):
            results.append(r)
            log.write(json.dumps(r) + "\n")
            log.flush()
            return r

        bf16_rows = []
        for preset in presets:
            steps = ["--steps", str(a.az100m_steps), "--warmup", "1"] if preset == "az-100m" else []
            ours_t, ref_t, ref_tm, ours_g, ref_g = [], [], [], [], []
            ours_b, ref_b, ref_bm = [], [], []
            for rep in range(a.reps):
                print(f"[{preset} {rep + 1}/{a.reps}] train", file=sys.stderr, flush=True)
                ours_t.append(keep(run([a.azllm, "bench", "train", "--preset", preset, "--json"] + steps)))
                ref_t.append(keep(run(ref + ["train", "--preset", preset] + steps)))
                ref_tm.append(keep(dict(run(ref + ["train", "--preset", preset] + steps, TUNED_MALLOC), malloc="tuned")))
                if preset in bf16_presets:
                    print(f"[{preset} {rep + 1}/{a.reps}] train bf16", file=sys.stderr, flush=True)
                    ours_b.append(keep(run([a.azllm, "bench", "train", "--preset", preset, "--precision", "bf16", "--json"] + steps)))
                    ref_b.append(keep(run(ref + ["train", "--preset", preset, "--dtype", "bf16"] + steps)))
                    ref_bm.append(keep(dict(run(ref + ["train", "--preset", preset, "--dtype", "bf16"] + steps, TUNED_MALLOC),
                                            malloc="tuned")))
                print(f"[{preset} {rep + 1}/{a.reps}] generate", file=sys.stderr, flush=True)
                ours_g.append(keep(run([a.azllm, "bench", "generate", "--preset", preset, "--json"])))
                ref_g.append(keep(run(ref + ["generate", "--preset", preset])))
            rows.append((preset, ours_t, ref_t, ref_tm, ours_g, ref_g))
            if ours_b:
                bf16_rows.append((preset, ours_t, ours_b, ref_b, ref_bm))

    def med(rs, k):
        return statistics.median(r[k] for r in rs)

    def peak(rs):
        # The machine's fp32 (or bf16) matmul peak: the best any of the runs measured (azllm measures
        # ATen's product and its own threaded split; the reference, PyTorch's), so that both MFUs
        # are against one peak.
        return max(r["matmul_peak_gflops"] for r in rs)

    def mfu(rs, pk):
        return 100 * med(rs, "model_gflops_per_s") / pk

    def best(a_runs, b_runs):
        return a_runs if med(a_runs, "tokens_per_s") >= med(b_runs, "tokens_per_s") else b_runs

    print("Training (fp32, tokens/s; median (min–max) of %d alternating runs; the ratio is against the faster "
          "reference configuration)\n" % a.reps)
    print("| preset | shape | azllm | reference | reference, tuned allocator | ratio | azllm MFU | reference MFU | "
          "matmul peak GFLOP/s | azllm peak RSS | reference peak RSS |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for preset, ot, rt, rtm, _, _ in rows:
        s = ot[0]
        rb = best(rt, rtm)
        shape = f"L{s['n_layer']} H{s['n_head']} C{s['n_embd']} T{s['block_size']} V{s['vocab_size']} B{s['batch_size']} threads {s['threads']}"
        print(f"| {preset} | {shape} | {fmt([r['tokens_per_s'] for r in ot])} | {fmt([r['tokens_per_s'] for r in rt])} | "
              f"{fmt([r['tokens_per_s'] for r in rtm])} | {med(ot, 'tokens_per_s') / med(rb, 'tokens_per_s'):.2f}x | "
              f"{mfu(ot, peak(ot + rt + rtm)):.0f}% | {mfu(rb, peak(ot + rt + rtm)):.0f}% | {peak(ot + rt + rtm):.0f} | "
              f"{med(ot, 'peak_rss_bytes') / 2**20:,.0f} MiB | {med(rb, 'peak_rss_bytes') / 2**20:,.0f} MiB |")
    if bf16_rows:
        print("\nTraining in bf16 autocast (tokens/s; MFU against the measured bf16 matmul peak)\n")
        print("| preset | azllm fp32 | azllm bf16 | azllm bf16 / fp32 | reference bf16 | reference bf16, tuned allocator | "
              "azllm bf16 / reference bf16 | azllm bf16 MFU | bf16 matmul peak GFLOP/s | azllm bf16 peak RSS |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for preset, ot, ob, rb, rbm in bf16_rows:
            rbest = best(rb, rbm)
            print(f"| {preset} | {fmt([r['tokens_per_s'] for r in ot])} | {fmt([r['tokens_per_s'] for r in ob])} | "
                  f"{med(ob, 'tokens_per_s') / med(ot, 'tokens_per_s'):.2f}x | {fmt([r['tokens_per_s'] for r in rb])} | "
                  f"{fmt([r['tokens_per_s'] for r in rbm])} | {med(ob, 'tokens_per_s') / med(rbest, 'tokens_per_s'):.2f}x | "
                  f"{mfu(ob, peak(ob + rb + rbm)):.0f}% | {peak(ob + rb + rbm):.0f} | "
                  f"{med(ob, 'peak_rss_bytes') / 2**20:,.0f} MiB |")
    print("\nGeneration (greedy, 8-token prompt, 200 new tokens, batch 1; tokens/s)\n")
    print("| preset | azllm KV cache | reference KV cache | ratio | azllm recompute | reference recompute | azllm cache speed-up | window slides |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for preset, _, _, _, og, rg in rows:
        print(f"| {preset} | {fmt([r['cached_tokens_per_s'] for r in og], 1)} | {fmt([r['cached_tokens_per_s'] for r in rg], 1)} | "
              f"{med(og, 'cached_tokens_per_s') / med(rg, 'cached_tokens_per_s'):.2f}x | {fmt([r['recompute_tokens_per_s'] for r in og], 1)} | "
              f"{fmt([r['recompute_tokens_per_s'] for r in rg], 1)} | {med(og, 'cache_speedup'):.2f}x | {og[0]['window_slides']} |")


if __name__ == "__main__":
    main()
