// The sentencepiece plugin: a thin C wrapper over sentencepiece::SentencePieceProcessor and
// SentencePieceTrainer. It links nothing of LibTorch or Qt; see azllm_spm.h for the contract.
#include "azllm_spm.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct azspm_processor {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

void setError(char* err, size_t cap, const std::string& msg)
{
    if (!err || cap == 0)
        return;
    const size_t n = msg.size() < cap - 1 ? msg.size() : cap - 1;
    std::memcpy(err, msg.data(), n);
    err[n] = '\0';
}

long copyOut(const std::string& s, char* out, size_t cap)
{
    if (out && s.size() <= cap)
        std::memcpy(out, s.data(), s.size());
    return static_cast<long>(s.size());
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int azspm_abi_version(void) { return AZSPM_ABI_VERSION; }

__attribute__((visibility("default"))) int azspm_train(const char* flags, char* err, size_t errcap)
{
    try {
        std::unordered_map<std::string, std::string> kwargs;
        const std::string all = flags ? flags : "";
        size_t start = 0;
        while (start < all.size()) {
            size_t end = all.find('\n', start);
            if (end == std::string::npos)
                end = all.size();
            const std::string line = all.substr(start, end - start);
            const size_t eq = line.find('=');
            if (eq != std::string::npos && eq > 0)
                kwargs[line.substr(0, eq)] = line.substr(eq + 1);
            start = end + 1;
        }
        // Our own key: seeds sentencepiece's sampling and shuffling so training is reproducible.
        if (auto it = kwargs.find("azllm_seed"); it != kwargs.end()) {
            sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned int>(std::stoul(it->second)));
            kwargs.erase(it);
        }
        const auto status = sentencepiece::SentencePieceTrainer::Train(kwargs);
        if (!status.ok()) {
            setError(err, errcap, status.ToString());
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        setError(err, errcap, e.what());
        return 1;
    }
}

__attribute__((visibility("default"))) azspm_processor* azspm_load(const char* path, char* err,
                                                                   size_t errcap)
{
    try {
        auto p = std::make_unique<azspm_processor>();
        const auto status = p->sp.Load(path ? path : "");
        if (!status.ok()) {
            setError(err, errcap, status.ToString());
            return nullptr;
        }
        return p.release();
    } catch (const std::exception& e) {
        setError(err, errcap, e.what());
        return nullptr;
    }
}

__attribute__((visibility("default"))) azspm_processor*
azspm_load_bytes(const char* data, size_t len, char* err, size_t errcap)
{
    try {
        auto p = std::make_unique<azspm_processor>();
        const auto status = p->sp.LoadFromSerializedProto(absl::string_view(data, len));
        if (!status.ok()) {
            setError(err, errcap, status.ToString());
            return nullptr;
        }
        return p.release();
    } catch (const std::exception& e) {
        setError(err, errcap, e.what());
        return nullptr;
    }
}

__attribute__((visibility("default"))) void azspm_free(azspm_processor* p) { delete p; }

__attribute__((visibility("default"))) int azspm_vocab_size(const azspm_processor* p)
{
    return p ? p->sp.GetPieceSize() : 0;
}

__attribute__((visibility("default"))) int azspm_special_id(const azspm_processor* p, int which)
{
    if (!p)
        return -1;
    switch (which) {
    case 0: return p->sp.unk_id();
    case 1: return p->sp.bos_id();
    case 2: return p->sp.eos_id();
    case 3: return p->sp.pad_id();
    default: return -1;
    }
}

__attribute__((visibility("default"))) long azspm_encode(const azspm_processor* p, const char* text,
                                                         size_t len, int32_t* out, size_t cap,
                                                         char* err, size_t errcap)
{
    if (!p)
        return -1;
    try {
        std::vector<int> ids;
        const auto status = p->sp.Encode(absl::string_view(text ? text : "", len), &ids);
        if (!status.ok()) {
            setError(err, errcap, status.ToString());
            return -1;
        }
        if (out && ids.size() <= cap)
            for (size_t i = 0; i < ids.size(); ++i)
                out[i] = ids[i];
        return static_cast<long>(ids.size());
    } catch (const std::exception& e) {
        setError(err, errcap, e.what());
        return -1;
    }
}

__attribute__((visibility("default"))) long azspm_decode(const azspm_processor* p,
                                                         const int32_t* ids, size_t n, char* out,
                                                         size_t cap, char* err, size_t errcap)
{
    if (!p)
        return -1;
    try {
        const int size = p->sp.GetPieceSize();
        std::vector<int> v(n);
        for (size_t i = 0; i < n; ++i) {
            if (ids[i] < 0 || ids[i] >= size) {
                setError(err, errcap, "token id " + std::to_string(ids[i]) + " is outside the vocabulary");
                return -1;
            }
            v[i] = ids[i];
        }
        std::string text;
        const auto status = p->sp.Decode(v, &text);
        if (!status.ok()) {
            setError(err, errcap, status.ToString());
            return -1;
        }
        return copyOut(text, out, cap);
    } catch (const std::exception& e) {
        setError(err, errcap, e.what());
        return -1;
    }
}

__attribute__((visibility("default"))) long azspm_id_to_piece(const azspm_processor* p, int id,
                                                              char* out, size_t cap)
{
    if (!p || id < 0 || id >= p->sp.GetPieceSize())
        return -1;
    return copyOut(p->sp.IdToPiece(id), out, cap);
}

__attribute__((visibility("default"))) int azspm_piece_to_id(const azspm_processor* p,
                                                             const char* piece, size_t len)
{
    if (!p)
        return -1;
    return p->sp.PieceToId(absl::string_view(piece ? piece : "", len));
}

__attribute__((visibility("default"))) float azspm_score(const azspm_processor* p, int id)
{
    if (!p || id < 0 || id >= p->sp.GetPieceSize())
        return 0.f;
    return p->sp.GetScore(id);
}

__attribute__((visibility("default"))) int azspm_piece_type(const azspm_processor* p, int id)
{
    if (!p || id < 0 || id >= p->sp.GetPieceSize())
        return 0;
    if (p->sp.IsUnknown(id))
        return 2;
    if (p->sp.IsControl(id))
        return 3;
    if (p->sp.IsUnused(id))
        return 5;
    if (p->sp.IsByte(id))
        return 6;
    return 1;
}

__attribute__((visibility("default"))) long azspm_serialized(const azspm_processor* p, char* out,
                                                             size_t cap)
{
    if (!p)
        return -1;
    return copyOut(p->sp.serialized_model_proto(), out, cap);
}

} // extern "C"
