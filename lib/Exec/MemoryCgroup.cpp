//===- MemoryCgroup.cpp - A memory limit that counts every page -----------===//
//
// One cgroup per child, under the cgroup of the process that forks it. The
// cgroup v2 "no internal processes" rule means children of a cgroup get the
// memory controller only when the cgroup holds no processes itself (or is
// the root): so this is used where it already lists memory in its
// subtree_control, and never reorganises anyone's cgroups to get there.
//
//===----------------------------------------------------------------------===//

#include "adrs/Exec/MemoryCgroup.h"

#include "adrs/Support/IO.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace exec {

namespace {

/// A small file of /proc or /sys (whose size stat does not tell).
std::optional<std::string> readSmallFile(const std::string &Path) {
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return std::nullopt;
  std::string Text;
  char Buffer[4096];
  for (;;) {
    ssize_t N = ::read(Fd, Buffer, sizeof(Buffer));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Text.append(Buffer, size_t(N));
    if (Text.size() > (1 << 20))
      break;
  }
  ::close(Fd);
  return Text;
}

bool writeSmallFile(const std::string &Path, StringRef Text) {
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CLOEXEC);
  if (Fd < 0)
    return false;
  bool OK = writeAll(Fd, Text.data(), Text.size());
  return ::close(Fd) == 0 && OK;
}

/// mountinfo escapes blanks and backslashes in paths as \ooo.
std::string unescapeMountPath(StringRef S) {
  std::string Out;
  for (size_t I = 0; I < S.size(); ++I) {
    if (S[I] == '\\' && I + 3 < S.size() && isDigit(S[I + 1]) &&
        isDigit(S[I + 2]) && isDigit(S[I + 3])) {
      Out +=
          char((S[I + 1] - '0') * 64 + (S[I + 2] - '0') * 8 + (S[I + 3] - '0'));
      I += 3;
    } else {
      Out += S[I];
    }
  }
  return Out;
}

std::string findMemoryParent() {
  std::optional<std::string> MountInfo = readSmallFile("/proc/self/mountinfo");
  std::optional<std::string> Own = readSmallFile("/proc/self/cgroup");
  if (!MountInfo || !Own)
    return "";
  std::optional<CgroupMount> Mount = findCgroup2Mount(*MountInfo);
  std::optional<std::string> Path = findUnifiedPath(*Own);
  if (!Mount || !Path)
    return "";
  // The path is relative to the hierarchy's root; the mount may show a
  // subtree of it (inside a cgroup namespace both are usually "/").
  StringRef Rel(*Path);
  StringRef Root(Mount->Root);
  if (Root != "/") {
    if (!Rel.startswith(Root))
      return "";
    Rel = Rel.drop_front(Root.size());
  }
  std::string Dir = Mount->MountPoint + Rel.rtrim('/').str();
  std::optional<std::string> Subtree =
      readSmallFile(Dir + "/cgroup.subtree_control");
  if (!Subtree || !listsController(*Subtree, "memory") ||
      ::access(Dir.c_str(), W_OK) != 0)
    return "";
  return Dir;
}

} // namespace

std::optional<CgroupMount> findCgroup2Mount(StringRef MountInfo) {
  SmallVector<StringRef, 64> Lines;
  MountInfo.split(Lines, '\n', -1, false);
  for (StringRef Line : Lines) {
    auto [Before, After] = Line.split(" - ");
    SmallVector<StringRef, 8> Fields, Tail;
    Before.split(Fields, ' ', -1, false);
    After.split(Tail, ' ', -1, false);
    if (Fields.size() < 5 || Tail.empty() || Tail[0] != "cgroup2")
      continue;
    return CgroupMount{unescapeMountPath(Fields[4]),
                       unescapeMountPath(Fields[3])};
  }
  return std::nullopt;
}

std::optional<std::string> findUnifiedPath(StringRef ProcCgroup) {
  SmallVector<StringRef, 16> Lines;
  ProcCgroup.split(Lines, '\n', -1, false);
  for (StringRef Line : Lines)
    if (Line.startswith("0::/"))
      return Line.drop_front(3).str();
  return std::nullopt;
}

bool listsController(StringRef List, StringRef Controller) {
  SmallVector<StringRef, 16> Names;
  List.split(Names, ' ', -1, false);
  for (StringRef N : Names)
    if (N.trim() == Controller)
      return true;
  return false;
}

uint64_t flatKeyedValue(StringRef Text, StringRef Key) {
  SmallVector<StringRef, 16> Lines;
  Text.split(Lines, '\n', -1, false);
  for (StringRef Line : Lines) {
    auto [K, V] = Line.split(' ');
    uint64_t N = 0;
    if (K == Key && !V.trim().getAsInteger(10, N))
      return N;
  }
  return 0;
}

const std::string &memoryCgroupParent() {
  static const std::string Parent = findMemoryParent();
  return Parent;
}

std::optional<MemoryCgroup>
MemoryCgroup::create(StringRef Parent, StringRef Name, uint64_t LimitBytes) {
  std::string Dir = (Parent + "/" + Name).str();
  // A group of that name left by a process that was killed is empty (its
  // children died with it); it is replaced.
  if (::mkdir(Dir.c_str(), 0700) != 0 &&
      !(errno == EEXIST && ::rmdir(Dir.c_str()) == 0 &&
        ::mkdir(Dir.c_str(), 0700) == 0))
    return std::nullopt;
  MemoryCgroup G(Dir, -1);
  // Swap would let the child hold more than the limit, only slower.
  if (!writeSmallFile(Dir + "/memory.max", std::to_string(LimitBytes)) ||
      !writeSmallFile(Dir + "/memory.oom.group", "1"))
    return std::nullopt;
  writeSmallFile(Dir + "/memory.swap.max", "0"); // absent without swap
  G.ProcsFd = ::open((Dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (G.ProcsFd < 0)
    return std::nullopt;
  return std::optional<MemoryCgroup>(std::move(G));
}

MemoryCgroup::MemoryCgroup(MemoryCgroup &&Other)
    : Dir(std::move(Other.Dir)), ProcsFd(Other.ProcsFd) {
  Other.Dir.clear();
  Other.ProcsFd = -1;
}

MemoryCgroup::~MemoryCgroup() {
  closeProcsDescriptor();
  if (Dir.empty())
    return;
  // The child has been waited for; a group still busy for a moment (its
  // last task being torn down) is tried again briefly.
  for (int Try = 0; Try < 50 && ::rmdir(Dir.c_str()) != 0 && errno == EBUSY;
       ++Try)
    ::usleep(1000);
}

void MemoryCgroup::closeProcsDescriptor() {
  if (ProcsFd >= 0)
    ::close(ProcsFd);
  ProcsFd = -1;
}

bool MemoryCgroup::outOfMemory() const {
  std::optional<std::string> Events = readSmallFile(Dir + "/memory.events");
  return Events && (flatKeyedValue(*Events, "oom_kill") > 0 ||
                    flatKeyedValue(*Events, "oom_group_kill") > 0);
}

bool joinMemoryCgroup(int ProcsFd) {
  return ProcsFd >= 0 && ::write(ProcsFd, "0", 1) == 1;
}

} // namespace exec
} // namespace adrs
