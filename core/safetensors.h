// safetensors files (Hugging Face's tensor format), written and read by our own code:
// 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// "__metadata__" (string -> string), padded with spaces to a multiple of 8, then the raw data.
#pragma once

#include "checkpoint.h"
#include "result.h"

#include <map>
#include <string>

namespace azllm {

// Serialises the tensors in the given order (float32, bfloat16, float16, int64 and int32).
Result<std::string> encodeSafetensors(const TensorList& tensors, const std::map<std::string, std::string>& metadata);
Status writeSafetensors(const std::string& path, const TensorList& tensors, const std::map<std::string, std::string>& metadata);

struct SafetensorsFile {
    TensorMap tensors;
    std::map<std::string, std::string> metadata;
};
// Reads and validates (offsets inside the file, no overlaps, sizes matching shape and dtype).
Result<SafetensorsFile> decodeSafetensors(const std::string& bytes, const std::string& nameForErrors);
Result<SafetensorsFile> readSafetensors(const std::string& path);

} // namespace azllm
