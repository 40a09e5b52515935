// safetensors writer and reader (see safetensors.h).
#include "safetensors.h"

#include "fsutil.h"

#include <ATen/ATen.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstring>

namespace azllm {

namespace {

struct DtypeInfo {
    at::ScalarType type;
    const char* name;
    int64_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {at::kFloat, "F32", 4}, {at::kBFloat16, "BF16", 2}, {at::kHalf, "F16", 2},
    {at::kLong, "I64", 8},  {at::kInt, "I32", 4},       {at::kDouble, "F64", 8},
};

const DtypeInfo* byType(at::ScalarType t)
{
    for (const auto& d : kDtypes)
        if (d.type == t)
            return &d;
    return nullptr;
}

const DtypeInfo* byName(const QString& n)
{
    for (const auto& d : kDtypes)
        if (n == d.name)
            return &d;
    return nullptr;
}

// A JSON string literal (quoted and escaped).
std::string jsonString(const std::string& s)
{
    const std::string a = QJsonDocument(QJsonArray{QString::fromStdString(s)}).toJson(QJsonDocument::Compact).toStdString();
    return a.substr(1, a.size() - 2); // ["..."] -> "..."
}

} // namespace

Result<std::string> encodeSafetensors(const TensorList& tensors, const std::map<std::string, std::string>& metadata)
{
    using R = Result<std::string>;
    // Header keys are written in the order given (QJsonObject sorts, so build the text by hand).
    std::string header = "{";
    {
        QJsonObject meta;
        for (const auto& kv : metadata)
            meta[QString::fromStdString(kv.first)] = QString::fromStdString(kv.second);
        header += "\"__metadata__\":" + QJsonDocument(meta).toJson(QJsonDocument::Compact).toStdString();
    }
    int64_t offset = 0;
    std::vector<at::Tensor> data;
    for (const auto& [name, tensor] : tensors) {
        const DtypeInfo* d = byType(tensor.scalar_type());
        if (!d)
            return R::error("tensor '" + name + "' has a dtype safetensors export does not support");
        at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
        const int64_t bytes = t.numel() * d->size;
        QJsonObject entry;
        entry["dtype"] = d->name;
        QJsonArray shape;
        for (int64_t s : t.sizes())
            shape.append(static_cast<qint64>(s));
        entry["shape"] = shape;
        entry["data_offsets"] = QJsonArray{static_cast<qint64>(offset), static_cast<qint64>(offset + bytes)};
        header += "," + jsonString(name) + ":" + QJsonDocument(entry).toJson(QJsonDocument::Compact).toStdString();
        offset += bytes;
        data.push_back(t);
    }
    header += "}";
    while (header.size() % 8 != 0)
        header += ' ';
    std::string out;
    out.reserve(8 + header.size() + static_cast<size_t>(offset));
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out += header;
    for (const auto& t : data)
        out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel() * t.element_size()));
    return out;
}

Status writeSafetensors(const std::string& path, const TensorList& tensors, const std::map<std::string, std::string>& metadata)
{
    auto bytes = encodeSafetensors(tensors, metadata);
    if (!bytes)
        return bytes.status();
    return fs::writeFileAtomic(path, *bytes);
}

Result<SafetensorsFile> decodeSafetensors(const std::string& bytes, const std::string& file)
{
    using R = Result<SafetensorsFile>;
    auto damaged = [&](const std::string& why) { return R::error("'" + file + "' is not a valid safetensors file: " + why); };
    if (bytes.size() < 8)
        return damaged("it is shorter than its 8-byte header length");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    if (n > bytes.size() - 8 || n > (100u << 20))
        return damaged("the header length " + std::to_string(n) + " exceeds the file (truncated?)");
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(QByteArray(bytes.data() + 8, static_cast<int>(n)), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return damaged("its header is not a JSON object");
    const int64_t dataSize = static_cast<int64_t>(bytes.size() - 8 - n);
    const char* base = bytes.data() + 8 + n;
    SafetensorsFile out;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    const QJsonObject h = doc.object();
    for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string name = it.key().toStdString();
        if (name == "__metadata__") {
            const QJsonObject m = it.value().toObject();
            for (auto mi = m.begin(); mi != m.end(); ++mi)
                out.metadata[mi.key().toStdString()] = mi.value().toString().toStdString();
            continue;
        }
        const QJsonObject e = it.value().toObject();
        const DtypeInfo* d = byName(e["dtype"].toString());
        if (!d)
            return damaged("tensor '" + name + "' has unsupported dtype '" + e["dtype"].toString().toStdString() + "'");
        std::vector<int64_t> shape;
        int64_t numel = 1;
        for (const auto& s : e["shape"].toArray()) {
            if (!s.isDouble() || s.toDouble() < 0)
                return damaged("tensor '" + name + "' has an invalid shape");
            shape.push_back(static_cast<int64_t>(s.toDouble()));
            numel *= shape.back();
        }
        const QJsonArray off = e["data_offsets"].toArray();
        if (off.size() != 2)
            return damaged("tensor '" + name + "' has no data_offsets");
        const int64_t b = static_cast<int64_t>(off[0].toDouble()), en = static_cast<int64_t>(off[1].toDouble());
        if (b < 0 || en < b || en > dataSize)
            return damaged("tensor '" + name + "' lies outside the file (truncated?)");
        if (en - b != numel * d->size)
            return damaged("tensor '" + name + "' has " + std::to_string(en - b) + " bytes but its shape needs " +
                           std::to_string(numel * d->size));
        ranges.emplace_back(b, en);
        at::Tensor t = at::empty(shape, at::TensorOptions().dtype(d->type));
        if (numel > 0)
            std::memcpy(t.data_ptr(), base + b, static_cast<size_t>(en - b));
        out.tensors[name] = t;
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second)
            return damaged("two tensors overlap");
    return out;
}

Result<SafetensorsFile> readSafetensors(const std::string& path)
{
    auto bytes = fs::readFile(path);
    if (!bytes)
        return Result<SafetensorsFile>::error(bytes.message());
    return decodeSafetensors(*bytes, path);
}

} // namespace azllm
