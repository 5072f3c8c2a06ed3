//===- adrs/Exec/MemoryCgroup.h - A memory limit that counts every page -*-===//
//
// RLIMIT_AS counts address space, not memory: pages held by the kernel for
// the child (tmpfs files, pipe buffers, kernel stacks) are outside it. A
// cgroup v2 memory limit counts all of them. It is used where the process
// that forks the children sits in a cgroup whose children get the memory
// controller (the cgroup's subtree_control lists it, and it is writable);
// elsewhere the sandbox refuses the calls that hold unaccounted memory.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EXEC_MEMORYCGROUP_H
#define ADRS_EXEC_MEMORYCGROUP_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace adrs {
namespace exec {

/// The mount point of the cgroup v2 hierarchy in /proc/self/mountinfo text,
/// with the path inside the hierarchy that it shows (its root).
struct CgroupMount {
  std::string MountPoint;
  std::string Root;
};
std::optional<CgroupMount> findCgroup2Mount(llvm::StringRef MountInfo);

/// The process's path in the v2 hierarchy, from /proc/self/cgroup text
/// (the "0::/path" line).
std::optional<std::string> findUnifiedPath(llvm::StringRef ProcCgroup);

/// Whether a space-separated controller list (cgroup.controllers,
/// cgroup.subtree_control) names \p Controller.
bool listsController(llvm::StringRef List, llvm::StringRef Controller);

/// The value of \p Key in a flat-keyed file such as memory.events; 0 when
/// absent.
uint64_t flatKeyedValue(llvm::StringRef Text, llvm::StringRef Key);

/// The directory under which this process can make cgroups with a memory
/// limit, or empty. Looked up once per process.
const std::string &memoryCgroupParent();

/// One child's cgroup: made before the fork, joined by the child, read and
/// removed after it has been waited for.
class MemoryCgroup {
public:
  /// Makes \p Parent/\p Name with memory.max = \p LimitBytes, no swap and
  /// the whole group killed on an out-of-memory. Empty when the kernel
  /// refuses any of it.
  static std::optional<MemoryCgroup>
  create(llvm::StringRef Parent, llvm::StringRef Name, uint64_t LimitBytes);

  MemoryCgroup(MemoryCgroup &&Other);
  MemoryCgroup &operator=(MemoryCgroup &&) = delete;
  ~MemoryCgroup();

  /// A descriptor on the group's cgroup.procs: the child writes "0" to it
  /// to move itself in, before it runs anything it was given.
  int procsDescriptor() const { return ProcsFd; }
  /// Closes the descriptor (in the parent, once the child has it).
  void closeProcsDescriptor();
  /// Whether the kernel killed the group for exceeding its limit.
  bool outOfMemory() const;

private:
  MemoryCgroup(std::string Dir, int ProcsFd)
      : Dir(std::move(Dir)), ProcsFd(ProcsFd) {}
  std::string Dir;
  int ProcsFd = -1;
};

/// In the child: moves the calling process into the group behind \p
/// ProcsFd. False if the kernel refused.
bool joinMemoryCgroup(int ProcsFd);

} // namespace exec
} // namespace adrs

#endif
