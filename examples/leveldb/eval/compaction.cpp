// The evaluator of LevelDB's compaction policy: for each workload file, load
// and then update and read a LevelDB database on LevelDB's in-memory Env,
// counting every byte the database writes to and reads from its table files.
// The evolved code (db/version_set.cc) decides how large each level may grow
// and which level to compact next; it cannot see the counts.
//
// A workload file holds "name value" lines (# starts a comment):
//   seed N              the key order of the load and the operation stream
//   keys N              keys in the database ("%016d" of 0..N-1)
//   value_size N        bytes of each value
//   write_buffer_kib N  Options::write_buffer_size, in KiB (memtable size)
//   file_kib N          Options::max_file_size, in KiB (table file size;
//                       LevelDB raises anything below 1024 to 1024)
//   cache_kib N         capacity of the block cache, in KiB
//   batch N             puts per write batch
//   ops N               operations after the load
//   p_put P             share of those that overwrite a key (a new version
//                       of its value); the rest get a key
//   hot_keys N          gets and puts pick a key of the first hot_keys keys
//   p_hot P             with probability p_hot, else any key
//
// Compactions run in the evaluator's own thread, never in a background one:
// the Env queues what LevelDB schedules and the evaluator runs the queue
// after every write and read, so the database, the compactions it runs and
// the counts are the same in every evaluation of a program.
//
// The score is io_kib_per_kop: KiB written to and read from table files per
// 1000 operations (the load's puts count as operations), mean over the
// workloads. Every get and a final scan of the whole database are checked
// against the values written (wrong_results must be zero). A policy that lets
// level 0 grow to LevelDB's write-stop limit would stall the writer forever;
// the evaluator stops the workload there (write_stalls must be zero).
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
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Workload {
  uint64_t Seed = 1;
  int Keys = 20000;
  int ValueSize = 100;
  int WriteBufferKiB = 256;
  int FileKiB = 2048;
  int CacheKiB = 1024;
  int Batch = 50;
  int Ops = 10000;
  double PPut = 0.5;
  int HotKeys = 0;
  double PHot = 0;
};

/// Parses a workload file; an empty string on success, else why not.
std::string parseWorkload(const std::string &Path, Workload &W) {
  WorkloadSettings S;
  if (std::string Why = S.read(Path); !Why.empty())
    return Why;
  S.take("seed", 0, 4e9, W.Seed);
  S.take("keys", 100, 1e6, W.Keys);
  S.take("value_size", 1, 65536, W.ValueSize);
  S.take("write_buffer_kib", 64, 1 << 20, W.WriteBufferKiB);
  S.take("file_kib", 1024, 1 << 20, W.FileKiB);
  S.take("cache_kib", 16, 1 << 20, W.CacheKiB);
  S.take("batch", 1, 10000, W.Batch);
  S.take("ops", 0, 1e7, W.Ops);
  S.take("p_put", 0, 1, W.PPut);
  S.take("hot_keys", 0, 1e6, W.HotKeys);
  S.take("p_hot", 0, 1, W.PHot);
  if (std::string Why = S.error(); !Why.empty())
    return Why;
  W.HotKeys = std::min(W.HotKeys, W.Keys);
  if (W.PHot > 0 && W.HotKeys == 0)
    return "p_hot needs hot_keys";
  return "";
}

/// Version V of key I's value: deterministic, so every read can be checked.
std::string valueOf(uint64_t Seed, int I, uint32_t V, int Size) {
  Random R(Seed * 1000003 + uint64_t(I) * 65537 + V);
  std::string Value(size_t(Size), ' ');
  for (char &C : Value)
    C = char('a' + R.uniform(26));
  return Value;
}

/// What the database moved to and from its table files.
struct IoCount {
  uint64_t TableBytesWritten = 0;
  uint64_t TableBytesRead = 0;
  uint64_t TableReads = 0;
};

bool isTableFile(const std::string &Name) {
  return Name.size() > 4 && Name.compare(Name.size() - 4, 4, ".ldb") == 0;
}

class CountingReadFile : public leveldb::RandomAccessFile {
public:
  CountingReadFile(leveldb::RandomAccessFile *Inner, IoCount &Count)
      : Inner(Inner), Count(Count) {}
  leveldb::Status Read(uint64_t Offset, size_t N, leveldb::Slice *Result,
                       char *Scratch) const override {
    ++Count.TableReads;
    Count.TableBytesRead += N;
    return Inner->Read(Offset, N, Result, Scratch);
  }

private:
  std::unique_ptr<leveldb::RandomAccessFile> Inner;
  IoCount &Count;
};

class CountingWriteFile : public leveldb::WritableFile {
public:
  CountingWriteFile(leveldb::WritableFile *Inner, IoCount &Count)
      : Inner(Inner), Count(Count) {}
  leveldb::Status Append(const leveldb::Slice &Data) override {
    Count.TableBytesWritten += Data.size();
    return Inner->Append(Data);
  }
  leveldb::Status Close() override { return Inner->Close(); }
  leveldb::Status Flush() override { return Inner->Flush(); }
  leveldb::Status Sync() override { return Inner->Sync(); }

private:
  std::unique_ptr<leveldb::WritableFile> Inner;
  IoCount &Count;
};

/// The database's Env: LevelDB's in-memory one, counting table I/O, with
/// background work queued and run by the evaluator (runQueued) instead of
/// on a thread of its own.
class EvaluatorEnv : public leveldb::EnvWrapper {
public:
  EvaluatorEnv(leveldb::Env *Base, IoCount &Count)
      : EnvWrapper(Base), Count(Count) {}

  leveldb::Status
  NewRandomAccessFile(const std::string &Name,
                      leveldb::RandomAccessFile **Result) override {
    leveldb::RandomAccessFile *File = nullptr;
    leveldb::Status S = target()->NewRandomAccessFile(Name, &File);
    *Result = S.ok() ? new CountingReadFile(File, Count) : nullptr;
    return S;
  }
  leveldb::Status NewWritableFile(const std::string &Name,
                                  leveldb::WritableFile **Result) override {
    leveldb::WritableFile *File = nullptr;
    leveldb::Status S = target()->NewWritableFile(Name, &File);
    if (S.ok() && isTableFile(Name))
      File = new CountingWriteFile(File, Count);
    *Result = S.ok() ? File : nullptr;
    return S;
  }
  void Schedule(void (*Function)(void *), void *Arg) override {
    Queue.push_back({Function, Arg});
  }
  void StartThread(void (*)(void *), void *) override {
    // LevelDB's database never starts a thread of its own; nothing here may.
    std::abort();
  }
  /// The writer sleeps when level 0 has many files, to let the compaction
  /// thread catch up; here the compactions run in its place.
  void SleepForMicroseconds(int) override { runQueued(); }

  /// Runs what the database scheduled, and what that schedules, until
  /// nothing is left. Called with no lock of the database held.
  void runQueued() {
    while (!Queue.empty()) {
      Job J = Queue.front();
      Queue.pop_front();
      J.Function(J.Arg);
    }
  }

private:
  struct Job {
    void (*Function)(void *);
    void *Arg;
  };
  std::deque<Job> Queue;
  IoCount &Count;
};

struct Outcome {
  std::string Error;
  IoCount Io;
  uint64_t Operations = 0, Gets = 0, GetReads = 0, Wrong = 0, Stalls = 0;
  uint64_t UserBytes = 0;
  std::string Levels;
};

/// LevelDB stops every write while level 0 has this many files
/// (config::kL0_StopWritesTrigger); one less is as far as a workload goes.
constexpr int StallFiles = 12 - 1;

Outcome runWorkload(const Workload &W) {
  Outcome Out;
  std::unique_ptr<leveldb::Env> Mem(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  EvaluatorEnv Env(Mem.get(), Out.Io);
  std::unique_ptr<leveldb::Cache> Cache(
      leveldb::NewLRUCache(size_t(W.CacheKiB) * 1024));

  leveldb::Options Opt;
  Opt.env = &Env;
  Opt.create_if_missing = true;
  Opt.block_cache = Cache.get();
  Opt.compression = leveldb::kNoCompression;
  Opt.write_buffer_size = size_t(W.WriteBufferKiB) * 1024;
  Opt.max_file_size = size_t(W.FileKiB) * 1024;

  leveldb::DB *RawDB = nullptr;
  leveldb::Status S = leveldb::DB::Open(Opt, "/db", &RawDB);
  Env.runQueued();
  if (!S.ok()) {
    Out.Error = "cannot open the database: " + S.ToString();
    return Out;
  }
  // Runs what is still queued before the database goes: its destructor
  // waits for scheduled work.
  struct Closer {
    EvaluatorEnv &Env;
    std::unique_ptr<leveldb::DB> DB;
    ~Closer() {
      Env.runQueued();
      DB.reset();
    }
  } Db{Env, std::unique_ptr<leveldb::DB>(RawDB)};
  leveldb::DB *DB = Db.DB.get();

  auto Level0Files = [&] {
    std::string Files;
    if (!DB->GetProperty("leveldb.num-files-at-level0", &Files))
      return 0;
    return std::atoi(Files.c_str());
  };

  Random Rng(W.Seed);
  std::vector<uint32_t> Version(size_t(W.Keys), 0);
  leveldb::WriteBatch Batch;
  int InBatch = 0;
  auto Flush = [&]() {
    if (InBatch == 0)
      return true;
    S = DB->Write(leveldb::WriteOptions(), &Batch);
    Batch.Clear();
    InBatch = 0;
    Env.runQueued();
    if (!S.ok()) {
      Out.Error = "a write failed: " + S.ToString();
      return false;
    }
    if (Level0Files() >= StallFiles) {
      ++Out.Stalls;
      return false;
    }
    return true;
  };
  auto Put = [&](int K) {
    Batch.Put(keyOf(K), valueOf(W.Seed, K, Version[size_t(K)], W.ValueSize));
    Out.UserBytes += 16 + uint64_t(W.ValueSize);
    ++Out.Operations;
    return ++InBatch < W.Batch || Flush();
  };

  // The load: every key once, in a seeded random order.
  std::vector<int> Order(size_t(W.Keys));
  for (int I = 0; I < W.Keys; ++I)
    Order[size_t(I)] = I;
  for (int I = W.Keys - 1; I > 0; --I)
    std::swap(Order[size_t(I)], Order[size_t(Rng.uniform(I + 1))]);
  for (int K : Order)
    if (!Put(K))
      return Out;
  if (!Flush())
    return Out;

  // Updates and reads.
  leveldb::ReadOptions Read;
  std::string Value;
  for (int Op = 0; Op < W.Ops; ++Op) {
    bool IsPut = Rng.unit() < W.PPut;
    int K = W.HotKeys > 0 && Rng.unit() < W.PHot ? Rng.uniform(W.HotKeys)
                                                 : Rng.uniform(W.Keys);
    if (IsPut) {
      ++Version[size_t(K)];
      if (!Put(K))
        return Out;
      continue;
    }
    // A get sees every put before it.
    if (!Flush())
      return Out;
    ++Out.Operations;
    ++Out.Gets;
    uint64_t ReadsBefore = Out.Io.TableReads;
    S = DB->Get(Read, keyOf(K), &Value);
    Out.GetReads += Out.Io.TableReads - ReadsBefore;
    Env.runQueued();
    if (!S.ok() || Value != valueOf(W.Seed, K, Version[size_t(K)], W.ValueSize))
      ++Out.Wrong;
  }
  if (!Flush())
    return Out;

  // Every key, in order, with its newest value: counted as wrong otherwise,
  // not as I/O (the scan is the evaluator's check, not the workload).
  IoCount Before = Out.Io;
  {
    std::unique_ptr<leveldb::Iterator> It(DB->NewIterator(Read));
    It->SeekToFirst();
    for (int K = 0; K < W.Keys; ++K, It->Next()) {
      if (!It->Valid() || It->key() != leveldb::Slice(keyOf(K)) ||
          It->value() != leveldb::Slice(valueOf(W.Seed, K, Version[size_t(K)],
                                                W.ValueSize))) {
        ++Out.Wrong;
        if (!It->Valid())
          break;
      }
    }
    if (It->Valid())
      ++Out.Wrong; // a key that was never written
  }
  Env.runQueued();
  Out.Io = Before;

  for (int Level = 0; Level < 7; ++Level) {
    std::string Files;
    DB->GetProperty("leveldb.num-files-at-level" + std::to_string(Level),
                    &Files);
    Out.Levels += (Level ? "/" : "") + Files;
  }
  return Out;
}

} // namespace

void adrs_evaluate(adrs::EvalContext &Ctx) {
  double SumIo = 0, SumWriteAmp = 0, SumReadsPerGet = 0;
  double Wrong = 0, Stalls = 0;
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
    double Ops = double(std::max<uint64_t>(1, O.Operations));
    double IoKibPerKop = double(O.Io.TableBytesWritten + O.Io.TableBytesRead) /
                         1024.0 * 1000.0 / Ops;
    double WriteAmp = double(O.Io.TableBytesWritten) /
                      double(std::max<uint64_t>(1, O.UserBytes));
    double ReadsPerGet =
        double(O.GetReads) / double(std::max<uint64_t>(1, O.Gets));
    SumIo += IoKibPerKop;
    SumWriteAmp += WriteAmp;
    SumReadsPerGet += ReadsPerGet;
    Wrong += double(O.Wrong);
    Stalls += double(O.Stalls);
    Ctx.workloadMetric(Wl.Name, "io_kib_per_kop", IoKibPerKop);
    Ctx.workloadMetric(Wl.Name, "write_amplification", WriteAmp);
    char Line[320];
    if (O.Stalls)
      std::snprintf(Line, sizeof Line,
                    "%s: stopped after %llu operations: level 0 reached %d "
                    "files, where LevelDB stops every write\n",
                    Wl.Name.c_str(), (unsigned long long)O.Operations,
                    StallFiles);
    else
      std::snprintf(Line, sizeof Line,
                    "%s: %.1f KiB of table I/O per 1000 operations, write "
                    "amplification %.2f, %.2f table reads per get, files "
                    "per level %s, %llu wrong results\n",
                    Wl.Name.c_str(), IoKibPerKop, WriteAmp, ReadsPerGet,
                    O.Levels.c_str(), (unsigned long long)O.Wrong);
    Report += Line;
  }
  double N = double(std::max<size_t>(1, Ctx.workloads().size()));
  Ctx.metric("io_kib_per_kop", SumIo / N);
  Ctx.metric("write_amplification", SumWriteAmp / N);
  Ctx.metric("table_reads_per_get", SumReadsPerGet / N);
  Ctx.metric("wrong_results", Wrong);
  Ctx.metric("write_stalls", Stalls);
  Ctx.artifact("workloads", Report);
}
