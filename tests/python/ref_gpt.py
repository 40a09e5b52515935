#!/usr/bin/python3
"""Independent reference GPT-2 (nanoGPT conventions) for checking AzLLM's numerics.

Written from the GPT-2 paper's description and nanoGPT's public module layout, not from our C++:
it loads a state dict with load_state_dict(strict=True) and recomputes logits and loss.

  ref_gpt.py check DIR   reads DIR/model.pt, DIR/config.json, DIR/io.pt (idx, targets, logits, loss)
                         and exits 0 when the logits and loss match to --tol (default 1e-5).
  ref_gpt.py check-export EXPORT_DIR CHECKPOINT_MODEL_PT IO_PT
                         loads EXPORT_DIR/*_final.pt with torch.load (a dict of model tensors only,
                         contiguous, in export.json's dtype) into GPT(**config.json) with
                         load_state_dict(strict=True) after model.eval(); checks every tensor equals
                         the checkpoint's (rounded to the export dtype), and the logits of IO_PT's
                         idx equal IO_PT's logits to --tol. Prints one JSON line of facts.
"""
import argparse
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.n_embd = cfg["n_embd"]
        self.c_attn = nn.Linear(self.n_embd, 3 * self.n_embd, bias=True)
        self.c_proj = nn.Linear(self.n_embd, self.n_embd, bias=True)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~causal, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["n_embd"], 4 * cfg["n_embd"], bias=True)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * cfg["n_embd"], cfg["n_embd"], bias=True)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg["vocab_size"], cfg["n_embd"]),
            wpe=nn.Embedding(cfg["block_size"], cfg["n_embd"]),
            h=nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])]),
            ln_f=nn.LayerNorm(cfg["n_embd"], eps=cfg.get("layer_norm_epsilon", 1e-5)),
        ))
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying

    def forward(self, idx, targets=None):
        T = idx.size(1)
        pos = torch.arange(T, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def load_model(model_pt, cfg):
    state = torch.load(model_pt, map_location="cpu")
    if not isinstance(state, dict):
        raise SystemExit(f"{model_pt}: torch.load returned {type(state).__name__}, expected dict")
    model = GPT(cfg)
    model.load_state_dict(state, strict=True)
    model.eval()
    return model


def check(args):
    cfg = json.load(open(f"{args.dir}/config.json"))
    cfg = cfg.get("model", cfg)
    model = load_model(f"{args.dir}/model.pt", cfg)
    io = torch.load(f"{args.dir}/io.pt", map_location="cpu")
    with torch.no_grad():
        logits, loss = model(io["idx"], io["targets"])
    dl = (logits - io["logits"]).abs().max().item()
    dloss = abs(loss.item() - io["loss"].item())
    print(f"max |logits diff| = {dl:.3e}, |loss diff| = {dloss:.3e}, loss = {loss.item():.6f}")
    return 0 if dl <= args.tol and dloss <= args.tol else 1


def check_export(args):
    import glob
    finals = glob.glob(f"{args.dir}/*_final.pt")
    if len(finals) != 1:
        raise SystemExit(f"expected one *_final.pt in {args.dir}, found {finals}")
    cfg = json.load(open(f"{args.dir}/config.json"))
    expected_keys = {"n_layer", "n_head", "n_embd", "block_size", "bias", "vocab_size", "dropout"}
    if set(cfg) != expected_keys:
        raise SystemExit(f"config.json keys {sorted(cfg)} are not nanoGPT's GPTConfig arguments")
    info = json.load(open(f"{args.dir}/export.json"))
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[info["dtype"]]
    state = torch.load(finals[0], map_location="cpu")
    if type(state) is not dict:
        raise SystemExit(f"torch.load returned {type(state).__name__}, expected dict")
    ref = torch.load(args.checkpoint, map_location="cpu")
    if set(state) != set(ref):
        raise SystemExit(f"keys differ from the checkpoint: {sorted(set(state) ^ set(ref))}")
    for k, t in state.items():
        if not isinstance(t, torch.Tensor) or t.dtype != dtype or not t.is_contiguous():
            raise SystemExit(f"{k}: not a contiguous {dtype} tensor")
        if not torch.equal(t, ref[k].to(dtype)):
            raise SystemExit(f"{k}: differs from the checkpoint's tensor")
    tied = state["lm_head.weight"].data_ptr() == state["transformer.wte.weight"].data_ptr()
    model = GPT(cfg)
    model.eval()
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    io = torch.load(args.io, map_location="cpu")
    with torch.no_grad():
        logits, _ = model(io["idx"])
    dl = (logits - io["logits"]).abs().max().item()
    params = sum(t.numel() for k, t in state.items() if k != "lm_head.weight")
    print(json.dumps({"tensors": len(state), "parameters": params, "dtype": str(dtype), "tied": tied,
                      "max_logit_diff": dl}))
    return 0 if dl <= args.tol else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("--tol", type=float, default=1e-5)
    e = sub.add_parser("check-export")
    e.add_argument("dir")
    e.add_argument("checkpoint")
    e.add_argument("io")
    e.add_argument("--tol", type=float, default=1e-5)
    args = p.parse_args()
    torch.set_num_threads(1)
    sys.exit(check(args) if args.cmd == "check" else check_export(args))


if __name__ == "__main__":
    main()
