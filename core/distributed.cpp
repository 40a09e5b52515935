// c10d process group for data-parallel training (see distributed.h).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1 // Debian's libtorch_cpu is built with Gloo; the header hides it otherwise
#endif
#include "distributed.h"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>

namespace azllm {

namespace {

// The first line of an exception's text: c10d and Gloo append source locations and backtraces.
std::string firstLine(const std::exception& e)
{
    std::string s = e.what();
    const auto nl = s.find('\n');
    if (nl != std::string::npos)
        s.resize(nl);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    return s;
}

const char* envOrNull(const char* name)
{
    const char* v = std::getenv(name);
    return (v && *v) ? v : nullptr;
}

// Parses an integer variable; nullopt with a message when it is malformed.
Status parseIntVar(const char* name, const char* value, long lo, long hi, int& out)
{
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < lo || v > hi)
        return Status::error(std::string("the environment variable ") + name + "='" + value + "' is not an integer in [" +
                             std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<int>(v);
    return {};
}

bool isLoopback(const std::string& host)
{
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

} // namespace

std::string DistEnv::describe() const
{
    return "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) + " (local rank " + std::to_string(localRank) +
           "), store " + masterAddr + ":" + std::to_string(masterPort) + (agentStore ? " (torchrun agent)" : "");
}

Result<DistEnv> distEnvFromEnvironment()
{
    using R = Result<DistEnv>;
    DistEnv env;
    const char* ws = envOrNull("WORLD_SIZE");
    const char* rank = envOrNull("RANK");
    const char* localRank = envOrNull("LOCAL_RANK");
    // Slurm without a wrapper: srun sets these for every task; a job uses them only when it
    // also names the store (MASTER_ADDR), so a plain `srun azllm train` stays single-process.
    if (!ws && !rank && envOrNull("MASTER_ADDR") && envOrNull("SLURM_NTASKS") && envOrNull("SLURM_PROCID")) {
        ws = envOrNull("SLURM_NTASKS");
        rank = envOrNull("SLURM_PROCID");
        localRank = envOrNull("SLURM_LOCALID");
    }
    if (!ws)
        return env;
    if (auto st = parseIntVar("WORLD_SIZE", ws, 1, 1 << 20, env.worldSize); !st)
        return R::error(st.message());
    if (env.worldSize == 1)
        return env;
    if (!rank)
        return R::error("WORLD_SIZE is " + std::to_string(env.worldSize) +
                        " but RANK is not set; launch with torchrun or set RANK (0 to WORLD_SIZE-1) for every process");
    if (auto st = parseIntVar("RANK", rank, 0, env.worldSize - 1, env.rank); !st)
        return R::error(st.message() + " (RANK must be below WORLD_SIZE=" + std::to_string(env.worldSize) + ")");
    env.localRank = env.rank;
    if (localRank)
        if (auto st = parseIntVar("LOCAL_RANK", localRank, 0, env.worldSize - 1, env.localRank); !st)
            return R::error(st.message());
    env.localWorldSize = env.worldSize;
    if (const char* perNode = envOrNull("SLURM_NTASKS_PER_NODE")) {
        int n = 0;
        if (parseIntVar("SLURM_NTASKS_PER_NODE", perNode, 1, env.worldSize, n).ok())
            env.localWorldSize = n;
    }
    if (const char* lws = envOrNull("LOCAL_WORLD_SIZE"))
        if (auto st = parseIntVar("LOCAL_WORLD_SIZE", lws, 1, env.worldSize, env.localWorldSize); !st)
            return R::error(st.message());
    const char* addr = envOrNull("MASTER_ADDR");
    if (!addr)
        return R::error("WORLD_SIZE is " + std::to_string(env.worldSize) +
                        " but MASTER_ADDR is not set; set it to rank 0's host name or address (127.0.0.1 on one machine)");
    env.masterAddr = addr;
    if (const char* port = envOrNull("MASTER_PORT"))
        if (auto st = parseIntVar("MASTER_PORT", port, 1, 65535, env.masterPort); !st)
            return R::error(st.message());
    if (const char* agent = envOrNull("TORCHELASTIC_USE_AGENT_STORE"))
        env.agentStore = std::strcmp(agent, "True") == 0 || std::strcmp(agent, "true") == 0 || std::strcmp(agent, "1") == 0;
    if (const char* rc = envOrNull("TORCHELASTIC_RESTART_COUNT"))
        if (auto st = parseIntVar("TORCHELASTIC_RESTART_COUNT", rc, 0, 1 << 30, env.restartCount); !st)
            return R::error(st.message());
    if (const char* t = envOrNull("AZLLM_DIST_PREPARE_TIMEOUT")) {
        int seconds = 0;
        if (auto st = parseIntVar("AZLLM_DIST_PREPARE_TIMEOUT", t, 1, 30 * 24 * 3600, seconds); !st)
            return R::error(st.message() + " (seconds the other ranks wait while rank 0 prepares the run)");
        env.prepareTimeout = std::chrono::seconds(seconds);
    }
    if (const char* t = envOrNull("AZLLM_DIST_TIMEOUT")) {
        int seconds = 0;
        if (auto st = parseIntVar("AZLLM_DIST_TIMEOUT", t, 1, 7 * 24 * 3600, seconds); !st)
            return R::error(st.message() + " (seconds a rank waits for the others)");
        env.timeout = std::chrono::seconds(seconds);
    }
    return env;
}

struct Distributed::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

Distributed::Distributed(const DistEnv& env) : m_impl(std::make_unique<Impl>()), m_env(env) {}

Distributed::~Distributed()
{
    // Destroying the group joins Gloo's worker threads; it must not throw out of a destructor.
    try {
        m_impl->pg.reset();
        m_impl->store.reset();
    } catch (...) {
    }
}

Result<std::unique_ptr<Distributed>> Distributed::connect(const DistEnv& env)
{
    using R = Result<std::unique_ptr<Distributed>>;
    std::unique_ptr<Distributed> d(new Distributed(env));
    const std::string where = env.masterAddr + ":" + std::to_string(env.masterPort);
    try {
        c10d::TCPStoreOptions opts;
        opts.port = static_cast<std::uint16_t>(env.masterPort);
        opts.timeout = env.timeout;
        if (env.agentStore) {
            opts.isServer = false;
            opts.waitWorkers = false;
        } else {
            opts.isServer = env.rank == 0;
            opts.numWorkers = static_cast<std::size_t>(env.worldSize);
            opts.waitWorkers = true;
        }
        c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, opts);
        if (env.agentStore)
            store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restartCount), store);
        store = c10::make_intrusive<c10d::PrefixStore>("azllm", store);
        store->setTimeout(env.timeout);

        auto options = c10d::ProcessGroupGloo::Options::create(env.timeout);
        if (const char* ifname = envOrNull("GLOO_SOCKET_IFNAME"))
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
        else if (isLoopback(env.masterAddr))
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env.masterAddr));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        options->threads = 2;
        d->m_impl->store = store;
        d->m_impl->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, options);
    } catch (const std::exception& e) {
        return R::error("could not join the training group as " + env.describe() + ": " + firstLine(e) +
                        " — check that every process has the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, that " + where +
                        " is reachable from this machine, and that all " + std::to_string(env.worldSize) + " ranks started");
    }
    return R(std::move(d));
}

namespace {

Status lostContact(const DistEnv& env, const char* op, const std::exception& e)
{
    return Status::error("rank " + std::to_string(env.rank) + " lost contact with the other ranks during " + op + " (" +
                         firstLine(e) + "); another rank stopped, crashed or did not answer within " + std::to_string(env.timeout.count() / 1000) +
                         " s (AZLLM_DIST_TIMEOUT) — check its output, then --resume the run");
}

// Starts op on each tensor (one collective per tensor, queued on Gloo's threads), then waits for
// all of them; a failure is reported as lost contact.
Status runEach(const DistEnv& env, const char* what, const std::vector<at::Tensor>& tensors,
               const std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor>&)>& op)
{
    try {
        std::vector<c10::intrusive_ptr<c10d::Work>> works;
        for (const auto& t : tensors) {
            std::vector<at::Tensor> one{t};
            works.push_back(op(one));
        }
        for (auto& w : works)
            w->wait();
    } catch (const std::exception& e) {
        return lostContact(env, what, e);
    }
    return {};
}

} // namespace

Status Distributed::broadcast(const std::vector<at::Tensor>& tensors, int root)
{
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    return runEach(m_env, "a broadcast", tensors, [&](std::vector<at::Tensor>& one) { return m_impl->pg->broadcast(one, opts); });
}

Status Distributed::broadcastBytes(std::string& bytes, int root)
{
    auto len = at::scalar_tensor(static_cast<int64_t>(bytes.size()), at::kLong).reshape({1});
    if (auto st = broadcast({len}, root); !st)
        return st;
    const int64_t n = len.item<int64_t>();
    auto buf = at::empty({std::max<int64_t>(n, 1)}, at::kByte);
    if (rank() == root && n > 0)
        std::memcpy(buf.data_ptr(), bytes.data(), static_cast<size_t>(n));
    if (n > 0)
        if (auto st = broadcast({buf}, root); !st)
            return st;
    bytes.assign(static_cast<const char*>(buf.data_ptr()), static_cast<size_t>(n));
    return {};
}

Status Distributed::allReduceSum(const std::vector<at::Tensor>& tensors, const char* what)
{
    return runEach(m_env, what, tensors, [&](std::vector<at::Tensor>& one) { return m_impl->pg->allreduce(one); });
}

Status Distributed::allReduceGradients(const std::vector<at::Tensor>& grads, const at::Tensor& extras, size_t bucketBytes)
{
    at::NoGradGuard noGrad;
    struct Bucket {
        std::vector<at::Tensor> grads;
        at::Tensor flat;
    };
    std::vector<Bucket> buckets;
    size_t bytes = 0;
    // Backward produces the last layers' gradients first; buckets follow that order (as DDP's do).
    for (auto it = grads.rbegin(); it != grads.rend(); ++it) {
        const at::Tensor& g = *it;
        if (!g.defined())
            continue;
        const size_t b = static_cast<size_t>(g.numel()) * g.element_size();
        if (buckets.empty() || bytes + b > bucketBytes || buckets.back().grads.front().scalar_type() != g.scalar_type()) {
            buckets.emplace_back();
            bytes = 0;
        }
        buckets.back().grads.push_back(g);
        bytes += b;
    }
    // Packing allocates (and may fail for lack of memory): that is not a lost peer.
    for (auto& bucket : buckets) {
        if (bucket.grads.size() == 1 && bucket.grads.front().is_contiguous()) {
            bucket.flat = bucket.grads.front(); // reduced in place, nothing to unpack
        } else {
            std::vector<at::Tensor> flat;
            flat.reserve(bucket.grads.size());
            for (const auto& g : bucket.grads)
                flat.push_back(g.reshape({-1}));
            bucket.flat = at::cat(flat);
        }
    }
    std::vector<at::Tensor> reduced;
    for (const auto& bucket : buckets)
        reduced.push_back(bucket.flat);
    if (extras.defined())
        reduced.push_back(extras);
    if (auto st = allReduceSum(reduced, "the gradient all-reduce"); !st)
        return st;
    const double inv = 1.0 / static_cast<double>(m_env.worldSize);
    for (auto& bucket : buckets) {
        bucket.flat.mul_(inv);
        if (bucket.flat.is_same(bucket.grads.front()))
            continue; // reduced in place
        int64_t off = 0;
        for (auto& g : bucket.grads) {
            const int64_t n = g.numel();
            g.copy_(bucket.flat.narrow(0, off, n).view(g.sizes()));
            off += n;
        }
    }
    return {};
}

Status Distributed::agree(const Status& local)
{
    auto failed = at::zeros({m_env.worldSize}, at::kInt);
    if (!local.ok())
        failed[m_env.rank] = 1;
    if (auto st = allReduceSum({failed}); !st)
        return st;
    const auto* f = failed.data_ptr<int32_t>();
    int firstFailed = -1;
    for (int r = 0; r < m_env.worldSize; ++r)
        if (f[r] != 0) {
            firstFailed = r;
            break;
        }
    if (firstFailed < 0)
        return {};
    if (f[0] != 0) {
        // Everyone hears rank 0's reason (it prepared the run; its message says what to fix).
        std::string rootMsg = local.message();
        if (auto st = broadcastBytes(rootMsg, 0); !st)
            return st;
        return lead() ? local : Status::error("rank 0 failed: " + rootMsg);
    }
    if (!local.ok())
        return local;
    return Status::error("rank " + std::to_string(firstFailed) + " failed; see its output");
}

Status Distributed::announce(const std::string& key)
{
    try {
        m_impl->store->set(key, std::vector<uint8_t>{1});
    } catch (const std::exception& e) {
        return lostContact(m_env, "an announcement", e);
    }
    return {};
}

Status Distributed::awaitAnnouncement(const std::string& key, std::chrono::milliseconds timeout)
{
    try {
        m_impl->store->wait({key}, timeout);
    } catch (const std::exception& e) {
        return Status::error("rank " + std::to_string(m_env.rank) + " stopped waiting for rank 0 (" + firstLine(e) +
                             "); rank 0 stopped or crashed while preparing the run, or took longer than AZLLM_DIST_PREPARE_TIMEOUT");
    }
    return {};
}

Status Distributed::barrier()
{
    try {
        c10d::BarrierOptions opts;
        m_impl->pg->barrier(opts)->wait();
    } catch (const std::exception& e) {
        return lostContact(m_env, "a barrier", e);
    }
    return {};
}

} // namespace azllm
