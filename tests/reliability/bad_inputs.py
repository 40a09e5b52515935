#!/usr/bin/python3
"""Bad-input suite: runs the real `azllm` on broken corpora, checkpoints, Hugging Face folders,
prompts, sampling values and flags, and checks each gives the documented exit code (0 done, 1
runtime error, 2 usage error), a one-line `azllm: error:` message for failures, no crash, and that
nothing already saved is lost. Prints a Markdown table (the one in docs/reliability.md).

  bad_inputs.py AZLLM_BINARY [--markdown FILE]

Exit status 0 when every case behaves as documented.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

AZ = sys.argv[1]
MD = sys.argv[sys.argv.index("--markdown") + 1] if "--markdown" in sys.argv else None
TINY = ["--vocab-size", "400", "--block-size", "32", "--batch-size", "4", "--max-epochs", "2", "--threads", "1"]
rows, failures = [], []


def az(args, stdin=None, timeout=300):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    p = subprocess.run([AZ] + args, capture_output=True, timeout=timeout, env=env, input=stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


TMP = [""]  # the scratch folder, shown as "…" in the table


def case(group, name, args, expect, check=None, stdin=None):
    code, out, err = az(args, stdin)
    lines = [l for l in err.splitlines() if l.startswith("azllm: error:")]
    msg = lines[0][len("azllm: error: "):] if lines else ""
    ok = code == expect
    why = []
    if code < 0:
        why.append(f"crashed with signal {-code}")
    if not ok:
        why.append(f"exit {code}, expected {expect}")
    if expect != 0 and len(lines) != 1:
        why.append("no single 'azllm: error:' line")
    if check:
        problem = check()
        if problem:
            why.append(problem)
    if why:
        failures.append(f"{group} / {name}: {'; '.join(why)}\n  stderr: {err.strip()[:400]}")
    if TMP[0]:
        msg = msg.replace(TMP[0], "…")
    rows.append((group, name, code, msg if msg else ("(done)" if code == 0 else err.strip()[:120]), "yes" if not why else "**NO**"))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    tmp = tempfile.mkdtemp(prefix="azllm-bad-")
    TMP[0] = tmp
    try:
        d = lambda *p: os.path.join(tmp, *p)
        run = d("run")
        code, _, err = az(["train", "--corpus", "demo", "--run-dir", run] + TINY)
        assert code == 0, err
        export = d("export")
        code, _, err = az(["export", "--run-dir", run, "--out", export])
        assert code == 0, err

        # ---- corpora
        write(d("c", "empty.txt"), b"")
        write(d("c", "space.txt"), b"  \n\t\n   \n")
        write(d("c", "binary.txt"), bytes(range(256)) * 64)
        write(d("c", "badutf8.txt"), "Hər kəs azad doğulur.\n".encode() + b"\xff\xfe bad \xc3\n")
        write(d("c", "utf16.txt"), "Hər kəs azad doğulur.\n".encode("utf-16"))
        os.makedirs(d("c", "nofiles"), exist_ok=True)
        write(d("c", "nofiles", "notes.md"), b"# not a corpus\n")
        for name, path in [("empty file", "empty.txt"), ("whitespace only", "space.txt"), ("binary file", "binary.txt"),
                           ("invalid UTF-8", "badutf8.txt"), ("UTF-16 with BOM", "utf16.txt"),
                           ("folder without .txt files", "nofiles"), ("missing path", "missing.txt")]:
            target = d("runs", name.replace(" ", "-"))
            case("corpus", name, ["train", "--corpus", d("c", path), "--run-dir", target] + TINY, 1,
                 lambda t=target: "a half-made run directory was left" if os.path.exists(os.path.join(t, "config.json")) else None)
        # One 100 MB line: streamed in 64 KiB pieces cut before spaces, encoded, trained on.
        words = "Hər kəs azad doğulur ləyaqət və hüquqlarına görə bərabərdir".split()
        with open(d("c", "line100m.txt"), "w", encoding="utf-8") as f:
            piece = " ".join(words[i % len(words)] + str(i % 1000) for i in range(20000)) + " "
            written = 0
            while written < 100_000_000:
                f.write(piece)
                written += len(piece.encode())
            f.write("\n")
        long_run = d("runs", "line100m")
        case("corpus", "one 100 MB line (accepted)",
             ["train", "--corpus", d("c", "line100m.txt"), "--run-dir", long_run, "--tokenizer", os.path.join(run, "tokenizer.model"),
              "--block-size", "32", "--batch-size", "4", "--max-steps", "2", "--eval-every", "2", "--eval-iters", "2", "--threads", "1"], 0,
             lambda: None if os.path.exists(os.path.join(long_run, "checkpoints", "best", "model.pt")) else "no best checkpoint")
        os.remove(d("c", "line100m.txt"))
        shutil.rmtree(long_run, ignore_errors=True)
        ga_run = d("runs", "grad-accum")
        case("corpus", "too small for the gradient accumulation",
             ["train", "--corpus", "demo", "--run-dir", ga_run] + TINY + ["--grad-accum", "1000"], 1)
        case("corpus", "vocabulary the corpus cannot support",
             ["tokenizer", "train", "--corpus", "demo", "--vocab-size", "5000", "--out", d("tok", "t.model")], 1)

        # ---- checkpoints (a copy of the run for each)
        def broken_copy(source, kind, tag, mutate):
            """A copy of source under kind/tag, damaged by mutate."""
            target = d(kind, tag)
            shutil.copytree(source, target)
            mutate(target)
            return target

        broken_run = lambda tag, mutate: broken_copy(run, "ck", tag, mutate)

        best_ok = lambda r: (lambda: None if az(["generate", "--model", r, "--checkpoint", "last", "--prompt", "a",
                                                  "--max-new-tokens", "2"])[0] == 0 else "the other checkpoint no longer loads")

        r = broken_run("truncated", lambda r: open(os.path.join(r, "checkpoints/best/model.pt"), "r+b").truncate(1000))
        case("checkpoint", "truncated model.pt", ["generate", "--model", r, "--prompt", "a"], 1, best_ok(r))
        r = broken_run("garbage", lambda r: write(os.path.join(r, "checkpoints/best/model.pt"), os.urandom(5000)))
        case("checkpoint", "garbage model.pt", ["generate", "--model", r, "--prompt", "a"], 1, best_ok(r))

        other = d("other")
        code, _, err = az(["train", "--corpus", "demo", "--run-dir", other, "--vocab-size", "400", "--block-size", "32",
                           "--batch-size", "4", "--max-epochs", "1", "--threads", "1", "--config", write_config(d("cfg.json"))])
        assert code == 0, err
        r = broken_run("arch", lambda r: shutil.copy(os.path.join(other, "checkpoints/best/model.pt"), os.path.join(r, "checkpoints/best/model.pt")))
        case("checkpoint", "another architecture's weights", ["generate", "--model", r, "--prompt", "a"], 1, best_ok(r))

        def future(r):
            p = os.path.join(r, "checkpoints/best/trainer_state.json")
            s = json.load(open(p))
            s["format_version"] = 99
            json.dump(s, open(p, "w"))
        r = broken_run("future", future)
        case("checkpoint", "future format version", ["generate", "--model", r, "--prompt", "a"], 1, best_ok(r))
        r = broken_run("nolast", lambda r: shutil.rmtree(os.path.join(r, "checkpoints/last")))
        case("checkpoint", "resume without a last checkpoint", ["train", "--resume", "--run-dir", r, "--max-epochs", "3"], 1)

        # ---- Hugging Face folders
        broken_hf = lambda tag, mutate: broken_copy(os.path.join(export, "hf"), "hf", tag, mutate)
        h = broken_hf("noweights", lambda h: os.remove(os.path.join(h, "model.safetensors")))
        case("hf folder", "no model.safetensors", ["generate", "--model", h, "--prompt", "a"], 1)
        h = broken_hf("notok", lambda h: os.remove(os.path.join(h, "tokenizer.model")))
        case("hf folder", "no tokenizer.model", ["generate", "--model", h, "--prompt", "a"], 1)

        def wrong_dims(h):
            p = os.path.join(h, "config.json")
            c = json.load(open(p))
            c["n_embd"] = 64
            json.dump(c, open(p, "w"))
        h = broken_hf("dims", wrong_dims)
        case("hf folder", "config.json disagrees with the weights", ["generate", "--model", h, "--prompt", "a"], 1)
        h = broken_hf("trunc", lambda h: open(os.path.join(h, "model.safetensors"), "r+b").truncate(50000))
        case("hf folder", "truncated model.safetensors", ["generate", "--model", h, "--prompt", "a"], 1)

        def gelu_new(h):
            p = os.path.join(h, "config.json")
            c = json.load(open(p))
            c["activation_function"] = "gelu_new"
            json.dump(c, open(p, "w"))
        h = broken_hf("act", gelu_new)
        case("hf folder", "another activation (gelu_new)", ["generate", "--model", h, "--prompt", "a"], 1)

        # ---- prompts
        g = ["generate", "--model", run, "--max-new-tokens", "3", "--seed", "1"]
        case("prompt", "empty (starts from BOS)", g + ["--prompt", ""], 0)
        case("prompt", "100,000 characters (cut to the context)", g + ["--prompt", "Hər kəs azad. " * 7200], 0)
        case("prompt", "control characters", g + ["--prompt", "a\x01\x07\x1b[31mb"], 0)
        case("prompt", "invalid UTF-8", g + ["--prompt", b"abc\xff\xfe".decode("utf-8", "surrogateescape")], 2)
        case("score", "empty text", ["score", "--model", run, "--text", ""], 1)
        write(d("bad.bin"), b"\xff\xfe\x00\x01")
        case("score", "file with invalid UTF-8", ["score", "--model", run, "--file", d("bad.bin")], 1)

        # ---- sampling values
        for flag, value, word in [("--temperature", "-1", "temperature"), ("--top-p", "0", "top-p"), ("--top-p", "1.5", "top-p"),
                                  ("--top-k", "-5", "top-k"), ("--min-p", "1", "min-p"), ("--repetition-penalty", "0", "repetition"),
                                  ("--max-new-tokens", "-1", "max-new-tokens"), ("--temperature", "nan", "temperature"),
                                  ("--stop", "", "stop")]:
            case("sampling", f"{flag} {value!r}", g + ["--prompt", "a", flag, value], 2)

        # ---- flags with a wrong type or value
        t = ["train", "--corpus", "demo", "--run-dir", d("flags-run")]
        for flag, value in [("--max-epochs", "abc"), ("--seed", "x"), ("--threads", "1.5"), ("--patience", ""),
                            ("--min-delta", "foo"), ("--eval-every", "banana"), ("--learning-rate", "x"), ("--batch-size", "0"),
                            ("--block-size", "-4"), ("--preset", "huge"), ("--dropout", "2")]:
            case("flags", f"train {flag} {value!r}", t + [flag, value], 2,
                 lambda: "a run directory was created" if os.path.exists(d("flags-run", "config.json")) else None)
        case("flags", "export --dtype int8", ["export", "--run-dir", run, "--out", d("x"), "--dtype", "int8"], 2)
        case("flags", "bench --preset huge", ["bench", "train", "--preset", "huge"], 2)
        case("flags", "unknown command", ["frobnicate"], 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    table = ["| input | case | exit | message | as documented |", "|---|---|---:|---|---|"]
    for g_, n, c, m, ok in rows:
        table.append(f"| {g_} | {n} | {c} | {m.replace('|', '/')} | {ok} |")
    text = "\n".join(table) + "\n"
    print(text)
    if MD:
        with open(MD, "w") as f:
            f.write(text)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        print(f"bad_inputs: {len(failures)} of {len(rows)} cases misbehaved", file=sys.stderr)
        return 1
    print(f"bad_inputs: all {len(rows)} cases behave as documented", file=sys.stderr)
    return 0


def write_config(path):
    with open(path, "w") as f:
        json.dump({"model": {"n_embd": 64, "n_head": 2, "n_layer": 2}}, f)
    return path


if __name__ == "__main__":
    sys.exit(main())
