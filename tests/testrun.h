// A tiny trained run for tests that need real weights (generation, export): 400-piece tokenizer,
// block 32, 2 layers, 2 heads, 32 dims, a few epochs of the demo corpus (a few seconds).
#pragma once

#include "corpus.h"
#include "run.h"
#include "trainer.h"

#include <string>

namespace azllm::test {

inline RunSetup tinySetup(const std::string& runDir)
{
    RunSetup s;
    s.corpusPath = demoCorpusPath();
    s.runDir = runDir;
    s.tokenizer.vocabSize = 400;
    s.model = GptConfig{400, 32, 2, 2, 32};
    s.train.batchSize = 4;
    s.train.learningRate = 3e-3;
    s.train.warmupSteps = 5;
    s.train.maxEpochs = 4;
    s.train.threads = 1;
    s.train.seed = 7;
    return s;
}

// Prepares and trains runDir to the end; returns the error message or "".
inline std::string trainTinyRun(const std::string& runDir, int64_t maxEpochs = 4)
{
    RunSetup s = tinySetup(runDir);
    s.train.maxEpochs = maxEpochs;
    auto cfg = prepareRun(s, [](const std::string&) {});
    if (!cfg)
        return cfg.message();
    TrainControl control;
    auto r = train(*cfg, false, control, [](const TrainEvent&) { return true; });
    return r ? std::string() : r.message();
}

} // namespace azllm::test
