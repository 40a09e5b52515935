// Data-parallel training across processes and machines on PyTorch's c10d: a TCPStore for the
// rendezvous and a ProcessGroupGloo for the collectives. LibTorch's C++ API has no
// DistributedDataParallel module, so the gradient all-reduce (bucketed, averaged) lives here.
//
// The environment is torchrun's (and what Slurm wrappers export): RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Under torchrun (TORCHELASTIC_USE_AGENT_STORE=True)
// the agent already hosts the store and every rank connects as a client through the prefix
// "/worker/attempt_<TORCHELASTIC_RESTART_COUNT>"; otherwise rank 0 hosts it.
//
// Every collective returns a Status instead of throwing: a rank that dies closes its sockets, so
// the others get an error at their next collective (or after the timeout when a peer hangs).
// Only distributed.cpp includes the c10d headers.
#pragma once

#include "result.h"

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace azllm {

struct DistEnv {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    int localWorldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    bool agentStore = false; // torchrun's agent hosts the store
    int restartCount = 0;    // TORCHELASTIC_RESTART_COUNT
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
    std::chrono::milliseconds prepareTimeout{std::chrono::hours(72)}; // AZLLM_DIST_PREPARE_TIMEOUT
    bool enabled() const { return worldSize > 1; }
    std::string describe() const; // "rank 1 of 2 (local 1), store 127.0.0.1:29500"
};

// Reads the variables above (and AZLLM_DIST_TIMEOUT, seconds). No variables, or WORLD_SIZE=1,
// gives a single-process environment; inconsistent or malformed values are an error that names
// the variable.
Result<DistEnv> distEnvFromEnvironment();

class Distributed {
public:
    // Joins the group: connects to (or, as rank 0 without an agent, hosts) the TCPStore and
    // builds the Gloo process group. Blocks until every rank has joined or the timeout passes.
    static Result<std::unique_ptr<Distributed>> connect(const DistEnv& env);
    ~Distributed();
    Distributed(const Distributed&) = delete;
    Distributed& operator=(const Distributed&) = delete;

    int rank() const { return m_env.rank; }
    int size() const { return m_env.worldSize; }
    bool lead() const { return m_env.rank == 0; }
    const DistEnv& env() const { return m_env; }

    // Copies root's tensors into every rank's tensors of the same shapes and dtypes, in place.
    Status broadcast(const std::vector<at::Tensor>& tensors, int root = 0);
    // Root's bytes to every rank (any length).
    Status broadcastBytes(std::string& bytes, int root = 0);
    // Sums each tensor over the ranks, in place (what names the operation in an error).
    Status allReduceSum(const std::vector<at::Tensor>& tensors, const char* what = "an all-reduce");
    // Averages gradients over the ranks in place: consecutive gradients (last layer first, as
    // backward produces them) are packed into flat buckets of about bucketBytes, each bucket is
    // all-reduced asynchronously, then unpacked. extras (a small double tensor: loss sums, stop
    // flags) is summed, not averaged, in the same round trip.
    Status allReduceGradients(const std::vector<at::Tensor>& grads, const at::Tensor& extras,
                              size_t bucketBytes = size_t(25) << 20);
    // Agreement on an outcome: returns ok when every rank's local status is ok; otherwise every
    // rank returns an error, carrying rank 0's message when rank 0 failed.
    Status agree(const Status& local);
    Status barrier();
    // Rank 0 marks a key in the store; the others wait for it (no collective, so no Gloo
    // timeout): for work only rank 0 does, like preparing a run from a large corpus. A rank 0
    // that dies closes the store's connections (or torchrun's agent stops the group).
    Status announce(const std::string& key);
    Status awaitAnnouncement(const std::string& key, std::chrono::milliseconds timeout);

private:
    explicit Distributed(const DistEnv& env);
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    DistEnv m_env;
};

} // namespace azllm
