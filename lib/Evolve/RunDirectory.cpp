//===- RunDirectory.cpp - Where a run lives -------------------------------===//

#include "RunDirectory.h"

#include "adrs/Evolve/Run.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace evolve {

std::string databasePath(StringRef RunDirectory) {
  SmallString<256> P(RunDirectory);
  sys::path::append(P, "run.db");
  return std::string(P);
}

bool runInProgress(StringRef Dir) {
  SmallString<256> LockPath(Dir);
  sys::path::append(LockPath, "lock");
  int Fd = ::open(LockPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return false;
  // A shared lock is refused only while a run holds its exclusive one; it
  // is let go at once.
  bool Held = flock(Fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(Fd);
  return Held;
}

std::string defaultRunDirectory(const spec::Spec &S) {
  SmallString<256> P(S.BaseDir);
  sys::path::append(P, "adrs-runs", S.Name);
  return std::string(P);
}

Expected<RunDirectory> RunDirectory::lock(StringRef Dir) {
  bool Existed = sys::fs::exists(Dir);
  if (std::error_code EC = sys::fs::create_directories(Dir))
    return createStringError(EC, "cannot create the run directory '%s': %s",
                             Dir.str().c_str(), EC.message().c_str());
  SmallString<256> LockPath(Dir);
  sys::path::append(LockPath, "lock");
  // The holder deletes the lock file when it lets go. A lock taken on a file
  // that was deleted meanwhile guards nothing: another adrsc may have made
  // a new one. So the lock counts only if the file locked is still the one
  // at the path; otherwise try again.
  for (unsigned Attempt = 0;; ++Attempt) {
    int Fd = ::open(LockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (Fd < 0) {
      int Errno = errno;
      return createStringError(
          std::error_code(Errno, std::generic_category()),
          "cannot use the run directory '%s': %s (a run needs to write there; "
          "read its results with 'adrsc best', or use another directory with "
          "-o DIR)",
          Dir.str().c_str(), std::strerror(Errno));
    }
    if (flock(Fd, LOCK_EX | LOCK_NB) != 0) {
      int Errno = errno;
      std::string Holder;
      char Buffer[32] = {0};
      ssize_t N = ::pread(Fd, Buffer, sizeof(Buffer) - 1, 0);
      if (N > 0)
        Holder = StringRef(Buffer, N).trim().str();
      ::close(Fd);
      if (Errno != EWOULDBLOCK)
        return createStringError(
            std::error_code(Errno, std::generic_category()),
            "cannot lock the run directory '%s': %s", Dir.str().c_str(),
            std::strerror(Errno));
      return createStringError(
          inconvertibleErrorCode(),
          "the run in '%s' is in use by another adrsc%s; wait for it to "
          "stop, or use another run directory (-o DIR)",
          Dir.str().c_str(),
          Holder.empty() ? "" : (" (process " + Holder + ")").c_str());
    }
    struct stat Locked, AtPath;
    if (::fstat(Fd, &Locked) == 0 && ::stat(LockPath.c_str(), &AtPath) == 0 &&
        Locked.st_dev == AtPath.st_dev && Locked.st_ino == AtPath.st_ino) {
      // Only for the message another adrsc gives; the lock is what counts.
      std::string Pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(Fd, 0) == 0)
        (void)!::pwrite(Fd, Pid.data(), Pid.size(), 0);
      return RunDirectory(Dir.str(), Fd, !Existed);
    }
    ::close(Fd);
    if (Attempt == 100)
      return createStringError(inconvertibleErrorCode(),
                               "cannot lock the run directory '%s': its lock "
                               "file keeps being replaced",
                               Dir.str().c_str());
  }
}

RunDirectory::RunDirectory(RunDirectory &&Other)
    : Path(std::move(Other.Path)), LockFd(Other.LockFd),
      CreatedDirectory(Other.CreatedDirectory) {
  Other.LockFd = -1;
}

RunDirectory::~RunDirectory() {
  if (LockFd < 0)
    return;
  // Deleted while still held, so no other adrsc can hold this file.
  ::unlink(lockPath().c_str());
  ::close(LockFd);
  // A directory this run made and left empty (a start that failed before
  // anything was stored) goes too; rmdir refuses one with anything in it.
  if (CreatedDirectory)
    ::rmdir(Path.c_str());
}

std::string RunDirectory::lockPath() const {
  SmallString<256> P(Path);
  sys::path::append(P, "lock");
  return std::string(P);
}

std::string RunDirectory::databasePath() const {
  return evolve::databasePath(Path);
}

Error RunDirectory::clear() {
  std::string DB = databasePath();
  for (StringRef Suffix : {"", "-wal", "-shm"}) {
    std::error_code EC = sys::fs::remove(DB + Suffix.str());
    if (EC)
      return createStringError(EC, "cannot delete '%s%s': %s", DB.c_str(),
                               Suffix.str().c_str(), EC.message().c_str());
  }
  SmallString<256> Best(Path);
  sys::path::append(Best, "best");
  if (std::error_code EC = sys::fs::remove_directories(Best))
    return createStringError(EC, "cannot delete '%s': %s", Best.c_str(),
                             EC.message().c_str());
  return Error::success();
}

Error RunDirectory::writeBest(const spec::Spec &S,
                              const candidate::Sources &Sources,
                              const Program &Best) const {
  candidate::Materialized M = Sources.materialize(Best);
  SmallString<256> Dir(Path);
  sys::path::append(Dir, "best");
  for (const auto &Entry : M.Files) {
    const std::string &File = Entry.first;
    const std::string &Text = Entry.second;
    SmallString<256> Rel(File);
    sys::path::replace_path_prefix(Rel, S.BaseDir, "");
    StringRef R = sys::path::relative_path(Rel);
    SmallString<256> Out(Dir);
    sys::path::append(Out, R);
    if (std::error_code EC =
            sys::fs::create_directories(sys::path::parent_path(Out)))
      return createStringError(EC, "cannot create '%s'", Out.c_str());
    if (Error E = writeToOutput(Out, [&](raw_ostream &OS) {
          OS << Text;
          return Error::success();
        }))
      return E;
  }
  SmallString<256> PatchFile(Dir);
  sys::path::append(PatchFile, "best.patch");
  std::string Diff = patch::diffFiles(Sources.files(), M.Files, S.BaseDir);
  return writeToOutput(PatchFile, [&](raw_ostream &OS) {
    OS << Diff;
    return Error::success();
  });
}

namespace {

std::string readText(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Path);
  return B ? (*B)->getBuffer().str() : std::string();
}

} // namespace

std::string snapshot(const spec::Spec &S,
                     const std::map<std::string, std::string> &RegionFiles) {
  json::Object Files;
  std::vector<std::string> All = S.Build.Sources;
  for (const auto &[F, T] : RegionFiles)
    All.push_back(F);
  for (const std::string &F : S.Evaluator.Files)
    All.push_back(F);
  // The flags every file is compiled with, when a database gives them.
  if (!S.Build.CompilationDatabase.empty()) {
    SmallString<256> Database(S.Build.CompilationDatabase);
    sys::path::append(Database, "compile_commands.json");
    All.push_back(std::string(Database));
  }
  llvm::sort(All);
  All.erase(std::unique(All.begin(), All.end()), All.end());
  for (const std::string &F : All)
    Files[F] = readText(F);
  // Linked binaries are not text: a digest says whether they changed.
  json::Object Links;
  for (const std::string &F : S.Build.Links)
    Links[F] = formatv("{0:x-16}", xxHash64(readText(F))).str();
  // The seed, the strategy, its starting points and the compilation
  // database may come from the command line instead of the spec's text.
  return formatv("{0}", json::Value(json::Object{
                            {"spec", readText(S.SpecFile)},
                            {"compdb", S.Build.CompilationDatabase},
                            {"seed", std::to_string(S.Seed)},
                            {"strategy", spec::toString(S.Search.Strategy)},
                            {"start-from-baselines",
                             S.Search.StartFromBaselines ? "on" : "off"},
                            {"files", std::move(Files)},
                            {"links", std::move(Links)}}))
      .str();
}

std::string databaseDifference(StringRef Then, StringRef Now) {
  if (Then == Now)
    return "";
  auto Named = [](StringRef Dir) {
    return Dir.empty() ? std::string("no compilation database")
                       : "the compilation database in '" + Dir.str() + "'";
  };
  return "it started with " + Named(Then) + ", not " + Named(Now) +
         " (-p or the spec's compdb)";
}

Error cannotResume(StringRef Directory, StringRef Why) {
  return createStringError(inconvertibleErrorCode(),
                           "cannot resume the run in '%s': %s; start over "
                           "with --fresh, or use another run directory (-o "
                           "DIR)",
                           Directory.str().c_str(), Why.str().c_str());
}

std::string snapshotDifference(StringRef Old, StringRef New,
                               const std::set<std::string> &Except) {
  Expected<json::Value> A = json::parse(Old), B = json::parse(New);
  if (!A || !B) {
    consumeError(A.takeError());
    consumeError(B.takeError());
    return "the run's snapshot cannot be read";
  }
  const json::Object *OA = A->getAsObject(), *OB = B->getAsObject();
  if (!OA || !OB)
    return "the run's snapshot cannot be read";
  if (OA->getString("spec") != OB->getString("spec"))
    return "the spec changed since the run started";
  // Snapshots made before these were recorded have neither.
  for (StringRef Key : {"seed", "strategy", "start-from-baselines"}) {
    std::optional<StringRef> Then = OA->getString(Key),
                             Now = OB->getString(Key);
    if (Then && Now && *Then != *Now)
      return formatv("it started with {0} {1}, not {2} (--{0})", Key, *Then,
                     *Now)
          .str();
  }
  std::optional<StringRef> DatabaseThen = OA->getString("compdb"),
                           DatabaseNow = OB->getString("compdb");
  if (DatabaseThen && DatabaseNow)
    if (std::string Why = databaseDifference(*DatabaseThen, *DatabaseNow);
        !Why.empty())
      return Why;
  // Snapshots made before links were recorded have no "links".
  for (StringRef Key : {"files", "links"}) {
    const json::Object *FA = OA->getObject(Key), *FB = OB->getObject(Key);
    if (!FA || !FB)
      continue;
    for (const auto &[K, V] : *FA) {
      if (Except.count(K.str()))
        continue;
      const json::Value *W = FB->get(K);
      if (!W || *W != V)
        return "'" + K.str() + "' changed since the run started";
    }
    for (const auto &[K, V] : *FB)
      if (!FA->get(K) && !Except.count(K.str()))
        return "'" + K.str() + "' is new since the run started";
  }
  return "";
}

} // namespace evolve
} // namespace adrs
