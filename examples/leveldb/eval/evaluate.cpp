// The evaluator of LevelDB's block cache: for each workload file, fill a
// LevelDB database on LevelDB's in-memory Env, compact it so the table layout
// is fixed, open it with a small block cache (leveldb::NewLRUCache, the
// evolved util/cache.cc) and replay a read workload in one thread, counting
// every read the database makes from storage.
//
// A workload file holds "name value" lines (# starts a comment):
//   seed N          the key order of the fill and the operation stream
//   keys N          keys in the database ("%016d" of 0..N-1)
//   value_size N    bytes of each value
//   cache_kib N     capacity of the block cache, in KiB
//   warmup N        operations run first and not counted
//   ops N           operations counted
//   hot_keys N      size of the hot set
//   hot_spread 0|1  1: hot keys spread over the key space (one block each);
//                   0: one contiguous range, as db_bench's readhot
//   p_hot P         share of operations that get a key of the hot set
//   p_scan P        share that seek to a random key and read scan_length
//                   entries (fill_cache on, as db_bench's seekrandom+scan)
//   scan_length N
// The rest of the operations get a key drawn uniformly (db_bench's
// readrandom).
//
// The score is computed from what the Env saw, never from what the cache
// reports about itself: reads_per_kop is RandomAccessFile::Read calls per
// 1000 counted operations. What the cache holds is measured from outside
// too: the block cache handed to the database wraps the evolved cache and
// adds up the charge of every entry inserted and not yet deleted (its
// deleter has not run). A cache that keeps more than its capacity (plus two
// of the largest entries, the blocks a reader may hold pinned) after an
// insert is counted in cache_overruns, and one that has not deleted every
// entry once it is destroyed in leaked_bytes; both must be zero.
#include "adrs/Evaluator.h"
#include "workload-file.h"

#include "helpers/memenv/memenv.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/write_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Workload {
  uint64_t Seed = 1;
  int Keys = 20000;
  int ValueSize = 100;
  int CacheKiB = 512;
  int Warmup = 1000;
  int Ops = 5000;
  int HotKeys = 100;
  bool HotSpread = true;
  double PHot = 0.5;
  double PScan = 0.05;
  int ScanLength = 200;
};

/// Parses a workload file; an empty string on success, else why not.
std::string parseWorkload(const std::string &Path, Workload &W) {
  WorkloadSettings S;
  if (std::string Why = S.read(Path); !Why.empty())
    return Why;
  S.take("seed", 0, 4e9, W.Seed);
  S.take("keys", 100, 1e6, W.Keys);
  S.take("value_size", 1, 65536, W.ValueSize);
  S.take("cache_kib", 16, 1 << 20, W.CacheKiB);
  S.take("warmup", 0, 1e7, W.Warmup);
  S.take("ops", 1, 1e7, W.Ops);
  S.take("hot_keys", 1, 1e6, W.HotKeys);
  S.take("hot_spread", 0, 1, W.HotSpread);
  S.take("p_hot", 0, 1, W.PHot);
  S.take("p_scan", 0, 1, W.PScan);
  S.take("scan_length", 1, 1e6, W.ScanLength);
  if (std::string Why = S.error(); !Why.empty())
    return Why;
  if (W.PHot + W.PScan > 1)
    return "p_hot + p_scan is above 1";
  W.HotKeys = std::min(W.HotKeys, W.Keys);
  return "";
}

/// The value of key I: deterministic, so every read can be checked.
std::string valueOf(uint64_t Seed, int I, int Size) {
  Random R(Seed * 1000003 + uint64_t(I));
  std::string V(size_t(Size), ' ');
  for (char &C : V)
    C = char('a' + R.uniform(26));
  return V;
}

/// Counts the reads the database makes from its table files.
struct ReadCounter {
  uint64_t Reads = 0;
  uint64_t Bytes = 0;
};

class CountingFile : public leveldb::RandomAccessFile {
public:
  CountingFile(leveldb::RandomAccessFile *Inner, ReadCounter &Count)
      : Inner(Inner), Count(Count) {}
  leveldb::Status Read(uint64_t Offset, size_t N, leveldb::Slice *Result,
                       char *Scratch) const override {
    ++Count.Reads;
    Count.Bytes += N;
    return Inner->Read(Offset, N, Result, Scratch);
  }

private:
  std::unique_ptr<leveldb::RandomAccessFile> Inner;
  ReadCounter &Count;
};

class CountingEnv : public leveldb::EnvWrapper {
public:
  CountingEnv(leveldb::Env *Base, ReadCounter &Count)
      : EnvWrapper(Base), Count(Count) {}
  leveldb::Status
  NewRandomAccessFile(const std::string &Name,
                      leveldb::RandomAccessFile **Result) override {
    leveldb::RandomAccessFile *File = nullptr;
    leveldb::Status S = target()->NewRandomAccessFile(Name, &File);
    *Result = S.ok() ? new CountingFile(File, Count) : nullptr;
    return S;
  }

private:
  ReadCounter &Count;
};

/// The block cache the database gets: the evolved cache inside, and beside
/// it the evaluator's own account of what is resident. Every value goes in
/// boxed with its charge; the box's deleter, which the cache calls when it
/// really lets the entry go, takes the charge off.
class MeteredCache : public leveldb::Cache {
public:
  explicit MeteredCache(size_t Capacity)
      : Capacity(Capacity), Inner(leveldb::NewLRUCache(Capacity)) {}
  ~MeteredCache() override { Inner.reset(); }

  Handle *Insert(const leveldb::Slice &Key, void *Value, size_t Charge,
                 void (*Deleter)(const leveldb::Slice &, void *)) override {
    Resident += Charge;
    LargestCharge = std::max(LargestCharge, Charge);
    Handle *H = Inner->Insert(Key, new Box{Value, Deleter, Charge, this},
                              Charge, &deleteBox);
    if (Resident > Capacity + 2 * LargestCharge)
      ++Overruns;
    PeakResident = std::max(PeakResident, Resident);
    return H;
  }
  Handle *Lookup(const leveldb::Slice &Key) override {
    return Inner->Lookup(Key);
  }
  void Release(Handle *H) override { Inner->Release(H); }
  void *Value(Handle *H) override {
    return static_cast<Box *>(Inner->Value(H))->Value;
  }
  void Erase(const leveldb::Slice &Key) override { Inner->Erase(Key); }
  uint64_t NewId() override { return Inner->NewId(); }
  void Prune() override { Inner->Prune(); }
  size_t TotalCharge() const override { return Inner->TotalCharge(); }

  /// Frees the evolved cache and with it every entry it still holds.
  void destroyInner() { Inner.reset(); }

  size_t Capacity;
  size_t Resident = 0;
  size_t PeakResident = 0;
  size_t LargestCharge = 0;
  uint64_t Overruns = 0;

private:
  struct Box {
    void *Value;
    void (*Deleter)(const leveldb::Slice &, void *);
    size_t Charge;
    MeteredCache *Owner;
  };
  static void deleteBox(const leveldb::Slice &Key, void *V) {
    Box *B = static_cast<Box *>(V);
    B->Owner->Resident -= B->Charge;
    B->Deleter(Key, B->Value);
    delete B;
  }
  std::unique_ptr<leveldb::Cache> Inner;
};

struct Outcome {
  std::string Error;
  uint64_t Reads = 0, Bytes = 0;
  uint64_t Wrong = 0, Overruns = 0;
  size_t Leaked = 0, PeakResident = 0;
};

Outcome runWorkload(const Workload &W) {
  Outcome Out;
  std::unique_ptr<leveldb::Env> Mem(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  ReadCounter Count;
  CountingEnv Env(Mem.get(), Count);
  auto Cache = std::make_unique<MeteredCache>(size_t(W.CacheKiB) * 1024);

  leveldb::Options Opt;
  Opt.env = &Env;
  Opt.create_if_missing = true;
  Opt.block_cache = Cache.get();
  Opt.compression = leveldb::kNoCompression;
  // The whole fill stays in one memtable, so no compaction runs while it
  // goes on and the compacted layout is the same every time.
  Opt.write_buffer_size = 256 << 20;

  leveldb::DB *RawDB = nullptr;
  leveldb::Status S = leveldb::DB::Open(Opt, "/db", &RawDB);
  if (!S.ok()) {
    Out.Error = "cannot open the database: " + S.ToString();
    return Out;
  }
  std::unique_ptr<leveldb::DB> DB(RawDB);

  Random Rng(W.Seed);
  std::vector<int> Order(size_t(W.Keys));
  for (int I = 0; I < W.Keys; ++I)
    Order[size_t(I)] = I;
  for (int I = W.Keys - 1; I > 0; --I)
    std::swap(Order[size_t(I)], Order[size_t(Rng.uniform(I + 1))]);
  leveldb::WriteBatch Batch;
  for (int I = 0; I < W.Keys; ++I) {
    Batch.Put(keyOf(Order[size_t(I)]),
              valueOf(W.Seed, Order[size_t(I)], W.ValueSize));
    if (I % 1000 == 999 || I + 1 == W.Keys) {
      S = DB->Write(leveldb::WriteOptions(), &Batch);
      Batch.Clear();
      if (!S.ok()) {
        Out.Error = "cannot fill the database: " + S.ToString();
        return Out;
      }
    }
  }
  DB->CompactRange(nullptr, nullptr);

  // The hot set: keys spread over the whole key space, or one range.
  std::vector<int> Hot;
  if (W.HotSpread) {
    for (int I = 0; I < W.HotKeys; ++I)
      Hot.push_back(Order[size_t(I)]);
  } else {
    int Start = Rng.uniform(W.Keys - W.HotKeys + 1);
    for (int I = 0; I < W.HotKeys; ++I)
      Hot.push_back(Start + I);
  }

  leveldb::ReadOptions Read; // fill_cache on, as a database's readers use it
  std::string Value;
  auto Check = [&](int K, const leveldb::Slice &Got) {
    if (Got != leveldb::Slice(valueOf(W.Seed, K, W.ValueSize)))
      ++Out.Wrong;
  };
  for (int Op = 0; Op < W.Warmup + W.Ops; ++Op) {
    if (Op == W.Warmup)
      Count = ReadCounter();
    double P = Rng.unit();
    if (P < W.PScan) {
      int K = Rng.uniform(W.Keys);
      std::unique_ptr<leveldb::Iterator> It(DB->NewIterator(Read));
      It->Seek(keyOf(K));
      for (int N = 0; N < W.ScanLength && K < W.Keys; ++N, ++K) {
        if (!It->Valid() || It->key() != leveldb::Slice(keyOf(K))) {
          ++Out.Wrong;
          break;
        }
        Check(K, It->value());
        It->Next();
      }
      continue;
    }
    int K = P < W.PScan + W.PHot ? Hot[size_t(Rng.uniform(int(Hot.size())))]
                                 : Rng.uniform(W.Keys);
    S = DB->Get(Read, keyOf(K), &Value);
    if (!S.ok())
      ++Out.Wrong;
    else
      Check(K, Value);
  }
  Out.Reads = Count.Reads;
  Out.Bytes = Count.Bytes;
  DB.reset();
  Out.Overruns = Cache->Overruns;
  Out.PeakResident = Cache->PeakResident;
  Cache->destroyInner();
  Out.Leaked = Cache->Resident;
  return Out;
}

} // namespace

void adrs_evaluate(adrs::EvalContext &Ctx) {
  double SumReadsPerKop = 0, SumKibPerKop = 0;
  double Wrong = 0, Overruns = 0, Leaked = 0;
  std::string Report;
  for (const adrs::Workload &Wl : Ctx.workloads()) {
    Workload W;
    std::string Why = parseWorkload(Wl.Path, W);
    if (!Why.empty()) {
      Ctx.artifact("error", Wl.Name + ": " + Why);
      return;
    }
    Outcome O = runWorkload(W);
    if (!O.Error.empty()) {
      Ctx.artifact("error", Wl.Name + ": " + O.Error);
      return;
    }
    double ReadsPerKop = 1000.0 * double(O.Reads) / W.Ops;
    double KibPerKop = double(O.Bytes) / 1024.0 * 1000.0 / W.Ops;
    SumReadsPerKop += ReadsPerKop;
    SumKibPerKop += KibPerKop;
    Wrong += double(O.Wrong);
    Overruns += double(O.Overruns);
    Leaked += double(O.Leaked);
    Ctx.workloadMetric(Wl.Name, "reads_per_kop", ReadsPerKop);
    Ctx.workloadMetric(Wl.Name, "peak_resident_kib",
                       double(O.PeakResident) / 1024.0);
    char Line[256];
    std::snprintf(Line, sizeof Line,
                  "%s: %.1f storage reads per 1000 operations, peak %.0f KiB "
                  "resident of a %d KiB cache, %llu wrong results, %llu "
                  "overruns, %zu bytes leaked\n",
                  Wl.Name.c_str(), ReadsPerKop, double(O.PeakResident) / 1024.0,
                  W.CacheKiB, (unsigned long long)O.Wrong,
                  (unsigned long long)O.Overruns, O.Leaked);
    Report += Line;
  }
  double N = double(std::max<size_t>(1, Ctx.workloads().size()));
  Ctx.metric("reads_per_kop", SumReadsPerKop / N);
  Ctx.metric("read_kib_per_kop", SumKibPerKop / N);
  Ctx.metric("wrong_results", Wrong);
  Ctx.metric("cache_overruns", Overruns);
  Ctx.metric("leaked_bytes", Leaked);
  Ctx.artifact("workloads", Report);
}
