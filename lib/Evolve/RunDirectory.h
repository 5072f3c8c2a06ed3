//===- RunDirectory.h - Where a run lives -----------------------*- C++ -*-===//
//
// A run directory belongs to one adrsc at a time (a lock file held with
// flock, deleted when the run lets go: a failed start leaves no trace),
// remembers what the run depended on (a snapshot of the spec and
// the sources, to refuse a resume after they changed), and ends with the
// best program written out as files and a patch.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_EVOLVE_RUNDIRECTORY_H
#define ADRS_LIB_EVOLVE_RUNDIRECTORY_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Spec/Spec.h"

#include "llvm/Support/Error.h"

#include <map>
#include <set>
#include <string>

namespace adrs {
namespace evolve {

class RunDirectory {
public:
  /// Creates \p Path if needed and takes its lock; an error names the
  /// process that holds it, or says why the directory cannot be used. The
  /// lock file is deleted when this object is, and the directory too when
  /// this object created it and nothing was written there.
  static llvm::Expected<RunDirectory> lock(llvm::StringRef Path);
  RunDirectory(RunDirectory &&Other);
  RunDirectory &operator=(RunDirectory &&) = delete;
  ~RunDirectory();

  const std::string &path() const { return Path; }
  std::string databasePath() const;

  /// Deletes the run's database and best program. Only ever called with
  /// the lock held, so a live run is never deleted.
  llvm::Error clear();

  /// Writes \p Best as files under best/, and best/best.patch against the
  /// baseline.
  llvm::Error writeBest(const spec::Spec &S, const candidate::Sources &Sources,
                        const Program &Best) const;

private:
  RunDirectory(std::string Path, int LockFd, bool CreatedDirectory)
      : Path(std::move(Path)), LockFd(LockFd),
        CreatedDirectory(CreatedDirectory) {}
  std::string lockPath() const;
  std::string Path;
  int LockFd = -1;
  bool CreatedDirectory = false;
};

/// What a run depends on (the spec, its sources, the evaluator and the
/// region files), as text to store and compare.
std::string snapshot(const spec::Spec &S,
                     const std::map<std::string, std::string> &RegionFiles);

/// The first difference between two snapshots, as a sentence; empty when
/// they are the same. Files in \p Except are not compared.
std::string snapshotDifference(llvm::StringRef Old, llvm::StringRef New,
                               const std::set<std::string> &Except = {});

/// The run in \p Directory cannot be resumed, because \p Why.
llvm::Error cannotResume(llvm::StringRef Directory, llvm::StringRef Why);

/// The difference between the compilation databases a run started with
/// (\p Then) and has now, as a sentence; empty when they are the same.
std::string databaseDifference(llvm::StringRef Then, llvm::StringRef Now);

} // namespace evolve
} // namespace adrs

#endif
