// Data-parallel plumbing from libtorch's c10d: the rendezvous store (a FileStore for a one-machine
// job, a TCPStore across machines), one process group per process (Gloo on CPU; NCCL in CUDA builds),
// its collectives as work handles to poll, a heartbeat thread and parent-death signalling for
// launched workers. What to do with them (buckets, who failed, timeouts) is decided in src/parallel/.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "common.h"

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;
using ms = std::chrono::milliseconds;
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

// ---- stores ----------------------------------------------------------------------------------------
// A store, and how to open another client of it (the heartbeat thread has its own: the main
// thread may block in a get for as long as the store's timeout).
struct OpenStore {
  c10::intrusive_ptr<c10d::Store> store;
  std::function<c10::intrusive_ptr<c10d::Store>(ms)> reopen;
  uint16_t port = 0;  // 0 for a file store
};
std::unordered_map<uint64_t, OpenStore> stores;
uint64_t next_store = 1;

OpenStore& storeEntry(const CI& info, size_t i) {
  auto it = stores.find(static_cast<uint64_t>(num(info, i)));
  if (it == stores.end()) throw std::invalid_argument("store was closed");
  return it->second;
}
c10::intrusive_ptr<c10d::Store>& storeRef(const CI& info, size_t i) { return storeEntry(info, i).store; }

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

V addStore(Napi::Env env, OpenStore s) {
  uint64_t id = next_store++;
  stores.emplace(id, std::move(s));
  return Napi::Number::New(env, static_cast<double>(id));
}

c10::intrusive_ptr<c10d::Store> tcpClient(const std::string& host, uint16_t port, ms timeout) {
  c10d::TCPStoreOptions o;
  o.port = port;
  o.waitWorkers = false;
  o.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(host, o);
}

// storeOpen(host, port, isServer, timeoutMs) → id: a TCPStore. A server listens on every interface
// (libtorch 1.13 cannot bind one address); on port 0 it takes a free port (storePort).
V storeOpen(const CI& info) {
  auto host = str(info, 0);
  int64_t port = integer(info, 1);
  if (port < 0 || port > 65535) throw std::invalid_argument("port must be in 0..65535, got " + std::to_string(port));
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(port);
  o.isServer = boolean(info, 2);
  o.waitWorkers = false;
  o.timeout = ms(integer(info, 3));
  auto s = c10::make_intrusive<c10d::TCPStore>(host, o);
  uint16_t bound = s->getPort();
  return addStore(info.Env(), {s, [host, bound](ms timeout) { return tcpClient(host, bound, timeout); }, bound});
}

// storeOpenFile(path, timeoutMs) → id: a FileStore, no socket at all. The file is never removed
// here (numWorkers -1): its owner removes the private directory that holds it.
c10::intrusive_ptr<c10d::Store> fileStore(const std::string& path, ms timeout) {
  auto s = c10::make_intrusive<c10d::FileStore>(path, -1);
  s->setTimeout(timeout);
  return s;
}
V storeOpenFile(const CI& info) {
  auto path = str(info, 0);
  auto s = fileStore(path, ms(integer(info, 1)));
  return addStore(info.Env(), {s, [path](ms timeout) { return fileStore(path, timeout); }, 0});
}
V storePort(const CI& info) { return Napi::Number::New(info.Env(), storeEntry(info, 0).port); }
V storeClose(const CI& info) {
  stores.erase(static_cast<uint64_t>(num(info, 0)));
  return info.Env().Undefined();
}
V storeSet(const CI& info) {
  storeRef(info, 0)->set(str(info, 1), bytes(str(info, 2)));
  return info.Env().Undefined();
}
// storeGet(id, key): waits for the key up to the store's timeout.
V storeGet(const CI& info) {
  auto v = storeRef(info, 0)->get(str(info, 1));
  return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
}
V storeCheck(const CI& info) {
  return Napi::Boolean::New(info.Env(), storeRef(info, 0)->check({str(info, 1)}));
}

// ---- the process group -----------------------------------------------------------------------------
// The backend's collectives behind one interface (libtorch versions differ in the base class).
struct Group {
  int size = 1;
  std::function<WorkPtr(std::vector<at::Tensor>&, int64_t)> broadcast;
  std::function<WorkPtr(std::vector<at::Tensor>&)> allreduce;
  std::function<WorkPtr(std::vector<std::vector<at::Tensor>>&, std::vector<at::Tensor>&)> allgather;
  std::function<WorkPtr()> barrier;
};
// Never freed: at exit the backend's threads may still wait on a dead peer, and its destructor
// would join them.
Group* group = nullptr;

template <class PG>
Group* wrap(c10::intrusive_ptr<PG> pg, int size) {
  auto g = new Group();
  g->size = size;
  g->broadcast = [pg](std::vector<at::Tensor>& t, int64_t root) {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return pg->broadcast(t, o);
  };
  g->allreduce = [pg](std::vector<at::Tensor>& t) { return pg->allreduce(t); };
  g->allgather = [pg](std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in) { return pg->allgather(out, in); };
  g->barrier = [pg]() { return pg->barrier(); };
  return g;
}

Group& theGroup() {
  if (!group) throw std::invalid_argument("no process group (call groupInit first)");
  return *group;
}

// groupInit(backend, store, rank, size, timeoutMs, host): joins the group. Gloo binds to the
// interface GLOO_SOCKET_IFNAME names, else to `host`'s address when given, else to this machine's
// hostname (loopback when it does not resolve), as torch.distributed does.
V groupInit(const CI& info) {
  if (group) throw std::invalid_argument("this process already joined a process group");
  auto backend = str(info, 0);
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::PrefixStore>("group", storeRef(info, 1));
  int rank = static_cast<int>(integer(info, 2)), size = static_cast<int>(integer(info, 3));
  auto timeout = ms(integer(info, 4));
  auto host = str(info, 5);
  if (backend == "gloo") {
#ifdef USE_C10D_GLOO
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    o->devices.push_back(ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                         : !host.empty() ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                         : c10d::ProcessGroupGloo::createDefaultDevice());
    group = wrap(c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, o), size);
#else
    throw std::invalid_argument("this build of the addon has no Gloo (libtorch was built without it)");
#endif
  } else if (backend == "nccl") {
#ifdef USE_C10D_NCCL
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = timeout;
    group = wrap(c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, o), size);
#else
    throw std::invalid_argument("this build of the addon has no NCCL; build it against a CUDA libtorch: LIBTORCH=/path bash scripts/setup.sh");
#endif
  } else {
    throw std::invalid_argument("unknown backend '" + backend + "' (gloo | nccl)");
  }
  return info.Env().Undefined();
}

V backends(const CI& info) {
  auto a = Napi::Array::New(info.Env());
#ifdef USE_C10D_GLOO
  a.Set(a.Length(), "gloo");
#endif
#ifdef USE_C10D_NCCL
  a.Set(a.Length(), "nccl");
#endif
  return a;
}

// ---- collectives: each returns a work handle to poll with workWait ------------------------------------
struct Pending {
  WorkPtr work;
  std::vector<at::Tensor> in;                // kept alive until the work is released
  std::vector<std::vector<at::Tensor>> out;  // allgather's outputs
};
std::unordered_map<uint64_t, Pending> works;
uint64_t next_work = 1;

V track(Napi::Env env, Pending p) {
  uint64_t id = next_work++;
  works.emplace(id, std::move(p));
  return Napi::Number::New(env, static_cast<double>(id));
}
Pending& workRef(const CI& info) {
  auto it = works.find(static_cast<uint64_t>(num(info, 0)));
  if (it == works.end()) throw std::invalid_argument("collective work was released");
  return it->second;
}

// Collectives work in place on contiguous tensors.
std::vector<at::Tensor> operand(const CI& info, size_t i) {
  auto t = T(info, i);
  if (!t.is_contiguous()) throw std::invalid_argument("collectives need a contiguous tensor");
  return {t};
}

V broadcast(const CI& info) {
  Pending p{WorkPtr(), operand(info, 0), {}};
  p.work = theGroup().broadcast(p.in, integer(info, 1));
  return track(info.Env(), std::move(p));
}
V allreduce(const CI& info) {
  Pending p{WorkPtr(), operand(info, 0), {}};
  p.work = theGroup().allreduce(p.in);
  return track(info.Env(), std::move(p));
}
V allgather(const CI& info) {
  auto& g = theGroup();
  Pending p{WorkPtr(), operand(info, 0), {{}}};
  for (int r = 0; r < g.size; ++r) p.out[0].push_back(at::empty_like(p.in[0]));
  p.work = g.allgather(p.out, p.in);
  return track(info.Env(), std::move(p));
}
V barrier(const CI& info) { return track(info.Env(), Pending{theGroup().barrier(), {}, {}}); }

// workWait(work, timeoutMs) → true when done; false when still running after timeoutMs. Throws
// the backend's error when the collective failed.
V workWait(const CI& info) {
  auto& p = workRef(info);
  try {
    p.work->wait(ms(integer(info, 1)));  // rethrows the collective's error
  } catch (const std::exception&) {
    if (!p.work->isCompleted()) return Napi::Boolean::New(info.Env(), false);  // timed out: still running
    throw;
  }
  return Napi::Boolean::New(info.Env(), true);
}
// workResult(work): allgather's outputs stacked [size, …].
V workResult(const CI& info) {
  auto& p = workRef(info);
  if (p.out.empty()) throw std::invalid_argument("this collective has no result");
  return ret(info.Env(), at::stack(p.out[0]));
}
V workRelease(const CI& info) {
  works.erase(static_cast<uint64_t>(num(info, 0)));
  return info.Env().Undefined();
}

// ---- heartbeat ----------------------------------------------------------------------------------------
// A thread with its own store client sets `key` to "<beats> <progress>" every interval, so peers can
// tell a live process (however busy its main thread) from a dead or stopped one, and a stuck main
// thread (progress behind theirs) from a slow one.
std::atomic<int64_t> progress{0};

// heartbeatStart(store, key, intervalMs): the thread opens its own client of `store`.
V heartbeatStart(const CI& info) {
  auto reopen = storeEntry(info, 0).reopen;
  auto key = str(info, 1);
  auto every = ms(integer(info, 2));
  std::thread([reopen, key, every] {
    try {
      auto store = reopen(every * 10);
      for (int64_t beat = 1;; ++beat) {
        store->set(key, bytes(std::to_string(beat) + " " + std::to_string(progress.load())));
        std::this_thread::sleep_for(every);
      }
    } catch (...) {
      // The store is gone: the job is ending; peers read a stopped heartbeat.
    }
  }).detach();
  return info.Env().Undefined();
}
V heartbeatProgress(const CI& info) {
  progress.store(integer(info, 0));
  return info.Env().Undefined();
}

// dieWithParent(ppid): the kernel kills this process when its launcher exits, however it exits.
V dieWithParent(const CI& info) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != static_cast<pid_t>(integer(info, 0))) raise(SIGKILL);  // it already did
  return info.Env().Undefined();
}

}  // namespace

void register_parallel(Napi::Env, Napi::Object e) {
  DD_EXPORT(e, "storeOpen", storeOpen);
  DD_EXPORT(e, "storeOpenFile", storeOpenFile);
  DD_EXPORT(e, "storePort", storePort);
  DD_EXPORT(e, "storeClose", storeClose);
  DD_EXPORT(e, "storeSet", storeSet);
  DD_EXPORT(e, "storeGet", storeGet);
  DD_EXPORT(e, "storeCheck", storeCheck);
  DD_EXPORT(e, "groupInit", groupInit);
  DD_EXPORT(e, "distBackends", backends);
  DD_EXPORT(e, "broadcast", broadcast);
  DD_EXPORT(e, "allreduce", allreduce);
  DD_EXPORT(e, "allgather", allgather);
  DD_EXPORT(e, "barrier", barrier);
  DD_EXPORT(e, "workWait", workWait);
  DD_EXPORT(e, "workResult", workResult);
  DD_EXPORT(e, "workRelease", workRelease);
  DD_EXPORT(e, "heartbeatStart", heartbeatStart);
  DD_EXPORT(e, "heartbeatProgress", heartbeatProgress);
  DD_EXPORT(e, "dieWithParent", dieWithParent);
}

}  // namespace dd
