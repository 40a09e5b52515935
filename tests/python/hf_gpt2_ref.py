#!/usr/bin/python3
"""Independent GPT-2 forward pass over a Hugging Face GPT2LMHeadModel folder.

Written from Hugging Face's GPT-2 conventions (config.json keys, model.safetensors tensor names,
Conv1D weights stored as (in_features, out_features) so that y = x @ W + b, lm_head tied to wte),
not from AzLLM's C++ exporter. It needs only python3-torch and the standard library: the
safetensors file is parsed and validated here, and everything is computed in float32.

  hf_gpt2_ref.py logprobs HF_DIR IDS_JSON_FILE
      IDS_JSON_FILE holds {"ids": [int, ...]} with 1 <= len(ids) <= n_positions. Prints one JSON
      line {"logprobs": [...]} with log p(ids[i] | ids[:i]) for i = 1 .. len(ids) - 1.
  hf_gpt2_ref.py check-safetensors HF_DIR
      Validates the structure of HF_DIR/model.safetensors and prints one JSON line
      {"tensors": N, "parameters": P, "metadata": {...}}.

Exit status: 0 on success, 1 when the folder's files are invalid, 2 on a usage or input error
(bad arguments, ids out of range, a sequence longer than n_positions).
"""
import argparse
import json
import math
import os
import struct
import sys

import torch

# Size in bytes of one element of each safetensors dtype.
DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
}
# Floating dtypes this script can turn into float32 weights.
FLOAT_DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32, "F64": torch.float64}


class InvalidFile(Exception):
    """The HF folder holds a file that does not follow the expected format."""


class InputError(Exception):
    """The caller's input (ids, arguments) is unusable."""


# ----------------------------------------------------------------------------------------------
# safetensors
# ----------------------------------------------------------------------------------------------

def _no_duplicate_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise InvalidFile(f"duplicate key {k!r} in safetensors header")
        out[k] = v
    return out


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def read_safetensors_header(path):
    """Returns (header_len, tensors, metadata, data_start, file_size).

    tensors maps name -> {"dtype", "shape", "begin", "end"} with offsets relative to data_start.
    Raises InvalidFile on any structural problem; only an unaligned header length is a warning.
    """
    file_size = os.path.getsize(path)
    if file_size < 8:
        raise InvalidFile(f"{path}: {file_size} bytes, too short for the 8-byte header length")
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > file_size - 8:
            raise InvalidFile(f"{path}: header length {n} runs past the end of the file ({file_size} bytes)")
        raw = f.read(n)
    if n % 8 != 0:
        print(f"warning: {path}: header length {n} is not a multiple of 8", file=sys.stderr)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidFile(f"{path}: header is not UTF-8: {e}")
    if not text.startswith("{"):
        raise InvalidFile(f"{path}: header does not start with '{{'")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except ValueError as e:
        raise InvalidFile(f"{path}: header is not valid JSON: {e}")
    if not isinstance(header, dict):
        raise InvalidFile(f"{path}: header is not a JSON object")

    metadata = header.pop("__metadata__", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InvalidFile(f"{path}: __metadata__ must map strings to strings")

    data_start = 8 + n
    data_size = file_size - data_start
    tensors = {}
    for name, info in header.items():
        if not isinstance(info, dict):
            raise InvalidFile(f"{path}: entry {name!r} is not an object")
        extra = set(info) - {"dtype", "shape", "data_offsets"}
        missing = {"dtype", "shape", "data_offsets"} - set(info)
        if missing or extra:
            raise InvalidFile(f"{path}: entry {name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        dtype, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in DTYPE_SIZES:
            raise InvalidFile(f"{path}: entry {name!r}: unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
            raise InvalidFile(f"{path}: entry {name!r}: shape {shape!r} is not a list of non-negative ints")
        if not (isinstance(offs, list) and len(offs) == 2 and all(_is_int(o) for o in offs)):
            raise InvalidFile(f"{path}: entry {name!r}: data_offsets {offs!r} is not [begin, end]")
        begin, end = offs
        if not 0 <= begin <= end <= data_size:
            raise InvalidFile(f"{path}: entry {name!r}: data_offsets [{begin}, {end}] outside the "
                              f"{data_size}-byte data section")
        numel = math.prod(shape)
        if end - begin != numel * DTYPE_SIZES[dtype]:
            raise InvalidFile(f"{path}: entry {name!r}: {end - begin} bytes for {dtype} shape {shape} "
                              f"(expected {numel * DTYPE_SIZES[dtype]})")
        tensors[name] = {"dtype": dtype, "shape": shape, "begin": begin, "end": end}

    # The tensors must tile the data section exactly: sorted by offset, each starts where the
    # previous one ended, the first at 0 and the last at the end of the file.
    pos = 0
    for name, t in sorted(tensors.items(), key=lambda kv: (kv[1]["begin"], kv[1]["end"])):
        if t["begin"] < pos:
            raise InvalidFile(f"{path}: entry {name!r} overlaps the previous tensor (begins at {t['begin']}, "
                              f"previous ends at {pos})")
        if t["begin"] > pos:
            raise InvalidFile(f"{path}: gap of {t['begin'] - pos} bytes before entry {name!r}")
        pos = t["end"]
    if pos != data_size:
        raise InvalidFile(f"{path}: data section has {data_size} bytes but the tensors cover {pos}")
    return n, tensors, metadata, data_start, file_size


def load_safetensors_f32(path):
    """Loads every floating tensor of a safetensors file as a float32 torch tensor."""
    _, tensors, metadata, data_start, _ = read_safetensors_header(path)
    if sys.byteorder != "little":
        raise SystemExit("this script assumes a little-endian machine")
    with open(path, "rb") as f:
        f.seek(data_start)
        data = bytearray(f.read())
    out = {}
    for name, t in tensors.items():
        if t["dtype"] not in FLOAT_DTYPES:
            raise InvalidFile(f"{path}: entry {name!r} has dtype {t['dtype']}, expected a float type")
        nbytes = t["end"] - t["begin"]
        if nbytes == 0:
            x = torch.zeros(t["shape"], dtype=torch.float32)
        else:
            chunk = data[t["begin"]:t["end"]]
            x = torch.frombuffer(chunk, dtype=FLOAT_DTYPES[t["dtype"]]).to(torch.float32)
            x = x.reshape(t["shape"]).clone()
        out[name] = x
    return out, metadata


def check_safetensors(hf_dir):
    path = os.path.join(hf_dir, "model.safetensors")
    _, tensors, metadata, _, _ = read_safetensors_header(path)
    params = sum(math.prod(t["shape"]) for t in tensors.values())
    print(json.dumps({"tensors": len(tensors), "parameters": params, "metadata": metadata},
                     ensure_ascii=False))
    return 0


# ----------------------------------------------------------------------------------------------
# GPT-2
# ----------------------------------------------------------------------------------------------

def load_config(hf_dir):
    path = os.path.join(hf_dir, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError) as e:
        raise InvalidFile(f"{path}: {e}")
    if cfg.get("model_type") != "gpt2":
        raise InvalidFile(f"{path}: model_type is {cfg.get('model_type')!r}, expected 'gpt2'")
    for key in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head"):
        if not _is_int(cfg.get(key)) or cfg[key] <= 0:
            raise InvalidFile(f"{path}: {key} must be a positive integer, got {cfg.get(key)!r}")
    if cfg["n_embd"] % cfg["n_head"] != 0:
        raise InvalidFile(f"{path}: n_embd {cfg['n_embd']} is not divisible by n_head {cfg['n_head']}")
    act = cfg.get("activation_function", "gelu_new")  # Hugging Face's GPT2Config default
    if act not in ("gelu", "gelu_new", "gelu_pytorch_tanh"):
        raise InvalidFile(f"{path}: unsupported activation_function {act!r}")
    if cfg.get("n_inner") is not None and (not _is_int(cfg["n_inner"]) or cfg["n_inner"] <= 0):
        raise InvalidFile(f"{path}: n_inner must be null or a positive integer")
    return cfg


def layer_norm(x, w, b, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased variance, as in LayerNorm
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu(x, kind):
    if kind == "gelu":  # exact: x * Phi(x)
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    # "gelu_new" / "gelu_pytorch_tanh": the tanh approximation of the original GPT-2 code
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def conv1d(x, w, b):
    """Hugging Face's Conv1D: weight is (in_features, out_features)."""
    return x @ w + b


def expected_shapes(cfg):
    E, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg.get("n_inner") or 4 * E
    shapes = {"transformer.wte.weight": [V, E], "transformer.wpe.weight": [P, E],
              "transformer.ln_f.weight": [E], "transformer.ln_f.bias": [E]}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        shapes.update({
            p + "ln_1.weight": [E], p + "ln_1.bias": [E],
            p + "attn.c_attn.weight": [E, 3 * E], p + "attn.c_attn.bias": [3 * E],
            p + "attn.c_proj.weight": [E, E], p + "attn.c_proj.bias": [E],
            p + "ln_2.weight": [E], p + "ln_2.bias": [E],
            p + "mlp.c_fc.weight": [E, inner], p + "mlp.c_fc.bias": [inner],
            p + "mlp.c_proj.weight": [inner, E], p + "mlp.c_proj.bias": [E],
        })
    return shapes


def load_weights(hf_dir, cfg):
    path = os.path.join(hf_dir, "model.safetensors")
    sd, _ = load_safetensors_f32(path)
    # Older checkpoints carry the causal-mask buffers; they are not parameters.
    for name in list(sd):
        if name.endswith(".attn.bias") or name.endswith(".attn.masked_bias"):
            del sd[name]
    shapes = expected_shapes(cfg)
    tied = cfg.get("tie_word_embeddings", True)
    if not tied:
        shapes["lm_head.weight"] = [cfg["vocab_size"], cfg["n_embd"]]
    elif "lm_head.weight" in sd:
        # Tied models normally omit it; when present it must equal wte.
        if list(sd["lm_head.weight"].shape) != shapes["transformer.wte.weight"] or not torch.equal(
                sd["lm_head.weight"], sd.get("transformer.wte.weight", torch.empty(0))):
            raise InvalidFile(f"{path}: lm_head.weight differs from transformer.wte.weight in a tied model")
        del sd["lm_head.weight"]
    missing = sorted(set(shapes) - set(sd))
    unexpected = sorted(set(sd) - set(shapes))
    if missing or unexpected:
        raise InvalidFile(f"{path}: missing tensors {missing[:8]}{'...' if len(missing) > 8 else ''}, "
                          f"unexpected tensors {unexpected[:8]}{'...' if len(unexpected) > 8 else ''}")
    for name, shape in shapes.items():
        if list(sd[name].shape) != shape:
            raise InvalidFile(f"{path}: {name} has shape {list(sd[name].shape)}, expected {shape}")
    if tied:
        sd["lm_head.weight"] = sd["transformer.wte.weight"]
    return sd


def forward_logits(sd, cfg, ids):
    """Logits (T, vocab_size) in float32 for one sequence of token ids."""
    E, H = cfg["n_embd"], cfg["n_head"]
    hs = E // H
    eps = float(cfg.get("layer_norm_epsilon", 1e-5))
    act = cfg.get("activation_function", "gelu_new")
    scale = cfg.get("scale_attn_weights", True)
    by_layer = cfg.get("scale_attn_by_inverse_layer_idx", False)
    T = len(ids)
    idx = torch.tensor(ids, dtype=torch.long)
    x = sd["transformer.wte.weight"][idx] + sd["transformer.wpe.weight"][torch.arange(T)]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = layer_norm(x, sd[p + "ln_1.weight"], sd[p + "ln_1.bias"], eps)
        qkv = conv1d(h, sd[p + "attn.c_attn.weight"], sd[p + "attn.c_attn.bias"])
        q, k, v = qkv[:, :E], qkv[:, E:2 * E], qkv[:, 2 * E:]
        q = q.reshape(T, H, hs).permute(1, 0, 2)  # (H, T, hs)
        k = k.reshape(T, H, hs).permute(1, 0, 2)
        v = v.reshape(T, H, hs).permute(1, 0, 2)
        scores = q @ k.transpose(1, 2)  # (H, T, T)
        if scale:
            scores = scores / math.sqrt(hs)
        if by_layer:
            scores = scores / float(i + 1)
        scores = scores.masked_fill(future, float("-inf"))
        att = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
        att = att / att.sum(dim=-1, keepdim=True)
        y = (att @ v).permute(1, 0, 2).reshape(T, E)
        x = x + conv1d(y, sd[p + "attn.c_proj.weight"], sd[p + "attn.c_proj.bias"])
        h = layer_norm(x, sd[p + "ln_2.weight"], sd[p + "ln_2.bias"], eps)
        h = gelu(conv1d(h, sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_fc.bias"]), act)
        x = x + conv1d(h, sd[p + "mlp.c_proj.weight"], sd[p + "mlp.c_proj.bias"])
    x = layer_norm(x, sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps)
    return x @ sd["lm_head.weight"].t()


def read_ids(path, cfg):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: {e}")
    ids = doc.get("ids") if isinstance(doc, dict) else None
    if not isinstance(ids, list) or not all(_is_int(i) for i in ids):
        raise InputError(f"{path}: expected {{\"ids\": [int, ...]}}")
    if not ids:
        raise InputError(f"{path}: ids is empty")
    if len(ids) > cfg["n_positions"]:
        raise InputError(f"{path}: {len(ids)} ids, more than n_positions = {cfg['n_positions']}")
    bad = [i for i in ids if not 0 <= i < cfg["vocab_size"]]
    if bad:
        raise InputError(f"{path}: ids outside [0, {cfg['vocab_size']}): {bad[:8]}")
    return ids


def logprobs(hf_dir, ids_file):
    cfg = load_config(hf_dir)
    ids = read_ids(ids_file, cfg)
    sd = load_weights(hf_dir, cfg)
    with torch.no_grad():
        logits = forward_logits(sd, cfg, ids)
        m = logits.max(dim=-1, keepdim=True).values
        logz = m.squeeze(-1) + torch.log(torch.exp(logits - m).sum(dim=-1))
        targets = torch.tensor(ids[1:], dtype=torch.long)
        lp = logits[:-1].gather(1, targets.unsqueeze(1)).squeeze(1) - logz[:-1]
    print(json.dumps({"logprobs": [float(v) for v in lp.tolist()]}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("logprobs", help="log p(ids[i] | ids[:i]) for i >= 1")
    lp.add_argument("hf_dir")
    lp.add_argument("ids_json")
    cs = sub.add_parser("check-safetensors", help="validate model.safetensors")
    cs.add_argument("hf_dir")
    args = p.parse_args()
    torch.set_num_threads(1)
    try:
        if args.cmd == "logprobs":
            return logprobs(args.hf_dir, args.ids_json)
        return check_safetensors(args.hf_dir)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (InvalidFile, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
