// Early stopping decisions (see earlystopping.h).
#include "earlystopping.h"

#include <cmath>

namespace azllm {

std::string toString(StopReason r)
{
    switch (r) {
    case StopReason::None: return "none";
    case StopReason::Patience: return "patience";
    case StopReason::Diverged: return "diverged";
    case StopReason::Threshold: return "threshold";
    case StopReason::MaxEpochs: return "max_epochs";
    case StopReason::MaxSteps: return "max_steps";
    case StopReason::User: return "user";
    }
    return "none";
}

StopReason stopReasonFromString(const std::string& s)
{
    for (auto r : {StopReason::Patience, StopReason::Diverged, StopReason::Threshold, StopReason::MaxEpochs,
                   StopReason::MaxSteps, StopReason::User})
        if (toString(r) == s)
            return r;
    return StopReason::None;
}

EarlyStopping::Decision EarlyStopping::update(double valLoss, int64_t step)
{
    m_lastImproved = false;
    if (!std::isfinite(valLoss)) {
        m_reason = StopReason::Diverged;
        return Decision::Stop;
    }
    const bool first = m_bestStep < 0;
    if (first || valLoss < m_best - m_cfg.minDelta) {
        m_best = valLoss;
        m_bestStep = step;
        m_wait = 0;
        m_lastImproved = true;
        if (!std::isnan(m_cfg.stopThreshold) && valLoss <= m_cfg.stopThreshold) {
            m_reason = StopReason::Threshold;
            return Decision::Stop;
        }
        return Decision::Improved;
    }
    ++m_wait;
    if (!std::isnan(m_cfg.stopThreshold) && valLoss <= m_cfg.stopThreshold) {
        m_reason = StopReason::Threshold;
        return Decision::Stop;
    }
    if (m_cfg.patience > 0 && m_wait >= m_cfg.patience) {
        m_reason = StopReason::Patience;
        return Decision::Stop;
    }
    return Decision::Waiting;
}

QJsonObject EarlyStopping::saveState() const
{
    QJsonObject o;
    o["best_val_loss"] = std::isfinite(m_best) ? QJsonValue(m_best) : QJsonValue();
    o["best_step"] = double(m_bestStep);
    o["wait"] = m_wait;
    o["reason"] = QString::fromStdString(toString(m_reason));
    return o;
}

bool EarlyStopping::restoreState(const QJsonObject& o)
{
    if (!o.contains("best_step") || !o.value("best_step").isDouble() || !o.value("wait").isDouble())
        return false;
    m_bestStep = static_cast<int64_t>(o.value("best_step").toDouble());
    m_best = o.value("best_val_loss").isDouble() ? o.value("best_val_loss").toDouble()
                                                 : std::numeric_limits<double>::infinity();
    m_wait = o.value("wait").toInt();
    m_reason = stopReasonFromString(o.value("reason").toString().toStdString());
    m_lastImproved = false;
    return true;
}

} // namespace azllm
