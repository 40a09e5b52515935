// Early stopping on validation loss as a small pure class: feed it each evaluation's loss and it
// says improved / waiting / stop. No tensors, files or clocks; the trainer acts on the decision.
#pragma once

#include "config.h"

#include <QJsonObject>

#include <cstdint>
#include <limits>
#include <string>

namespace azllm {

enum class StopReason { None, Patience, Diverged, Threshold, MaxEpochs, MaxSteps, User };
std::string toString(StopReason r);
StopReason stopReasonFromString(const std::string& s);

class EarlyStopping {
public:
    enum class Decision { Improved, Waiting, Stop };

    explicit EarlyStopping(EarlyStoppingConfig cfg = {}) : m_cfg(cfg) {}

    // One evaluation at `step`. Improved when val < best - minDelta (the first finite value always
    // improves). Stop after `patience` evaluations in a row without improvement, at once on a
    // non-finite loss (Diverged), or when val <= stopThreshold (Threshold; it also counts as improved
    // when it beats the best, see improvedOnLastUpdate()).
    Decision update(double valLoss, int64_t step);

    double best() const { return m_best; }
    int64_t bestStep() const { return m_bestStep; }
    int wait() const { return m_wait; }
    int patience() const { return m_cfg.patience; }
    bool improvedOnLastUpdate() const { return m_lastImproved; }
    StopReason reason() const { return m_reason; }
    const EarlyStoppingConfig& config() const { return m_cfg; }
    void setConfig(const EarlyStoppingConfig& cfg) { m_cfg = cfg; }

    QJsonObject saveState() const;
    // Restores best, best step, wait and reason saved by saveState().
    bool restoreState(const QJsonObject& o);

private:
    EarlyStoppingConfig m_cfg;
    double m_best = std::numeric_limits<double>::infinity();
    int64_t m_bestStep = -1;
    int m_wait = 0;
    bool m_lastImproved = false;
    StopReason m_reason = StopReason::None;
};

} // namespace azllm
