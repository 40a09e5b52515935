// metrics.csv reader and early-stopping replay (see metrics.h).
#include "metrics.h"

#include "earlystopping.h"
#include "fsutil.h"

#include <sstream>

namespace azllm {

Result<std::vector<MetricsRow>> readMetrics(const std::string& path)
{
    using R = Result<std::vector<MetricsRow>>;
    auto bytes = fs::readFile(path);
    if (!bytes)
        return R::error(bytes.message());
    std::istringstream in(*bytes);
    std::string line;
    if (!std::getline(in, line) || line.rfind("step,epoch,tokens,train_loss,val_loss", 0) != 0)
        return R::error("'" + path + "' is not an AzLLM metrics file (its header is missing)");
    std::vector<MetricsRow> rows;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        std::vector<std::string> cols;
        std::stringstream ls(line);
        std::string c;
        while (std::getline(ls, c, ','))
            cols.push_back(c);
        if (!line.empty() && line.back() == ',')
            cols.emplace_back();
        if (cols.size() != 8)
            continue; // a line cut short by a crash: skip it
        try {
            MetricsRow r;
            r.step = std::stoll(cols[0]);
            r.epoch = std::stod(cols[1]);
            r.tokens = std::stoll(cols[2]);
            r.trainLoss = cols[3].empty() ? 0 : std::stod(cols[3]);
            r.eval = !cols[4].empty();
            r.valLoss = r.eval ? std::stod(cols[4]) : 0;
            r.lr = cols[5].empty() ? 0 : std::stod(cols[5]);
            r.tokensPerS = cols[6].empty() ? 0 : std::stod(cols[6]);
            r.elapsedS = cols[7].empty() ? 0 : std::stod(cols[7]);
            rows.push_back(r);
        } catch (const std::exception&) {
            return R::error("'" + path + "' line " + std::to_string(lineNo) + " is damaged");
        }
    }
    return rows;
}

ReplayResult replayEarlyStopping(const std::vector<MetricsRow>& rows, const EarlyStoppingConfig& cfg)
{
    ReplayResult out;
    EarlyStopping es(cfg);
    for (const auto& r : rows) {
        if (!r.eval)
            continue;
        const auto d = es.update(r.valLoss, r.step);
        out.evals.push_back({r.step, r.valLoss, es.improvedOnLastUpdate(), es.wait(), es.bestStep(), es.best()});
        out.bestStep = es.bestStep();
        out.bestLoss = es.best();
        if (d == EarlyStopping::Decision::Stop) {
            out.stopStep = r.step;
            out.reason = toString(es.reason());
            break;
        }
    }
    return out;
}

} // namespace azllm
