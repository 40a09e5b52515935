#!/usr/bin/env node
// Encodes and decodes texts with @huggingface/tokenizers (the pure-JS port of Hugging Face
// tokenizers), to cross-check a tokenizer.json + tokenizer_config.json that AzLLM exports.
//
//   node hf_tokenize.mjs TOKENIZER_DIR TEXTS_JSON_FILE
//
// TOKENIZER_DIR holds tokenizer.json and tokenizer_config.json; TEXTS_JSON_FILE holds
// {"texts": ["...", ...]}. Prints one JSON line {"ids": [[...], ...], "decoded": ["...", ...]}:
// each text encoded without special tokens, and those ids decoded again with the tokenizer's
// own settings (decoder, clean_up_tokenization_spaces from tokenizer_config.json).
//
// One gap of the JS port is filled here: its Unigram model ignores "byte_fallback" (the Rust
// library honours it), so a character run that is not in the vocabulary comes back as a single
// unknown token holding the raw text. When tokenizer.json says
// {"model": {"type": "Unigram", "byte_fallback": true}}, such a token is replaced by the <0xXX>
// pieces of its UTF-8 bytes, as the Rust library does (or kept as the unknown token if a byte
// piece is missing). Nothing else is changed.
//
// Exit status: 0 on success, 2 on a usage error, 1 on any other error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function bytePieceIds(tokenizer, text) {
  const ids = [];
  for (const b of new TextEncoder().encode(text)) {
    const id = tokenizer.token_to_id(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    if (id === undefined) return null;
    ids.push(id);
  }
  return ids;
}

function encode(tokenizer, modelConfig, text) {
  const enc = tokenizer.encode(text, { add_special_tokens: false });
  if (!(modelConfig.type === "Unigram" && modelConfig.byte_fallback === true)) {
    return enc.ids;
  }
  const unkId = modelConfig.unk_id;
  const unkToken = unkId == null ? undefined : tokenizer.id_to_token(unkId);
  const ids = [];
  enc.ids.forEach((id, i) => {
    const token = enc.tokens[i];
    if (unkId != null && id === unkId && token !== unkToken) {
      const bytes = bytePieceIds(tokenizer, token);
      if (bytes !== null) {
        ids.push(...bytes);
        return;
      }
    }
    ids.push(id);
  });
  return ids;
}

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write("usage: node hf_tokenize.mjs TOKENIZER_DIR TEXTS_JSON_FILE\n");
    return 2;
  }
  const [dir, textsFile] = argv;
  const tokenizerJson = readJson(join(dir, "tokenizer.json"));
  const tokenizerConfig = readJson(join(dir, "tokenizer_config.json"));
  const doc = readJson(textsFile);
  if (!doc || !Array.isArray(doc.texts) || !doc.texts.every((t) => typeof t === "string")) {
    process.stderr.write(`${textsFile}: expected {"texts": ["...", ...]}\n`);
    return 2;
  }
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const ids = doc.texts.map((t) => encode(tokenizer, tokenizerJson.model ?? {}, t));
  // decode() refuses an empty list; the empty sequence decodes to the empty string.
  const decoded = ids.map((seq) => (seq.length === 0 ? "" : tokenizer.decode(seq)));
  process.stdout.write(JSON.stringify({ ids, decoded }) + "\n");
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`error: ${e && e.message ? e.message : e}\n`);
  process.exitCode = 1;
}
